using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Contracts.Registry;

namespace SwarmCluster.Grains.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public class MemoryGrainTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private static string NewNamespace() => "test-" + Guid.NewGuid().ToString("n")[..12];

    private IMemoryGrain Memory(string ns) => _client.GetGrain<IMemoryGrain>(GrainKeys.Memory(ns));

    private async Task<bool> StoredInDatabaseAsync(string ns, string text) =>
        (await TestClusters.ReadMemoryRowsAsync(fixture.DatabasePath)).Any(r => r.GrainKey == GrainKeys.Memory(ns) && r.ValueJson.Contains(text, StringComparison.Ordinal));

    [Fact]
    public async Task Persisted_writes_are_durable_before_returning_plain_writes_are_written_behind()
    {
        var ns = NewNamespace();
        var memory = Memory(ns);
        var persisted = await memory.Store(new MemoryWrite("config/db", """{"host":"db1","port":5432}""", new Dictionary<string, string> { ["owner"] = "ops" }, Persist: true));
        Assert.True(persisted.Durable);
        Assert.Equal(ns, persisted.Namespace);
        Assert.Equal(26, persisted.SizeBytes);
        Assert.True(await StoredInDatabaseAsync(ns, "db1"));

        var plain = await memory.Store(new MemoryWrite("scratch/note", "\"remember the milk\""));
        Assert.False(plain.Durable);
        var stats = await memory.GetStats();
        Assert.Equal((2, 1, 1), (stats.Entries, stats.DurableEntries, stats.PendingWrites));

        // Written behind by the grain timer (~1 s) without any further call.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await StoredInDatabaseAsync(ns, "remember the milk") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(await StoredInDatabaseAsync(ns, "remember the milk"));
        Assert.True((await memory.Retrieve("scratch/note"))!.Durable);
        Assert.Equal(0, (await memory.GetStats()).PendingWrites);
        Assert.Contains(ns, await _client.GetGrain<IRegistryGrain>(GrainKeys.Registry).ListNamespaces());
    }

    [Fact]
    public async Task Store_retrieve_overwrite_list_search_delete()
    {
        var memory = Memory(NewNamespace());
        for (var i = 0; i < 5; i++)
        {
            await memory.Store(new MemoryWrite($"task/{i}", $$"""{"n":{{i}}}"""));
        }

        await memory.Store(new MemoryWrite("agent/a", "\"Alpha\"", new Dictionary<string, string> { ["Role"] = "Reviewer" }));
        var first = (await memory.Retrieve("task/1"))!;
        await Task.Delay(20);
        var second = await memory.Store(new MemoryWrite("task/1", """{"n":100}""", Persist: true));
        Assert.Equal(first.CreatedAt, second.CreatedAt);
        Assert.True(second.UpdatedAt > first.UpdatedAt);
        Assert.Equal("""{"n":100}""", (await memory.Retrieve("task/1"))!.ValueJson);
        Assert.Null(await memory.Retrieve("task/missing"));

        var listing = await memory.List("task/", 3);
        Assert.Equal(5, listing.Total);
        Assert.Equal(["task/0", "task/1", "task/2"], listing.Entries.Select(e => e.Key));
        Assert.Equal(6, (await memory.List(null, 100)).Total);

        Assert.Equal(["agent/a"], (await memory.Search("ALPHA", 10)).Entries.Select(e => e.Key));
        Assert.Equal(["agent/a"], (await memory.Search("reviewer", 10)).Entries.Select(e => e.Key));
        Assert.Equal(["task/1"], (await memory.Search("100", 10)).Entries.Select(e => e.Key));

        Assert.True(await memory.Delete("task/0"));
        Assert.False(await memory.Delete("task/0"));
        Assert.Equal(4, (await memory.List("task/", 10)).Total);
    }

    [Fact]
    public async Task Expired_entries_are_invisible_and_purged()
    {
        var memory = Memory(NewNamespace());
        // 3 s, not 1: under a loaded CI machine the entry once expired before it could be read back.
        var entry = await memory.Store(new MemoryWrite("session", "\"token\"", TtlSeconds: 3));
        Assert.NotNull(entry.ExpiresAt);
        await memory.Store(new MemoryWrite("forever", "1"));
        Assert.NotNull(await memory.Retrieve("session"));
        await Task.Delay(3300);
        Assert.Null(await memory.Retrieve("session"));
        Assert.Equal(["forever"], (await memory.List(null, 10)).Entries.Select(e => e.Key));
        Assert.Empty((await memory.Search("token", 10)).Entries);
        Assert.Equal(1, (await memory.GetStats()).Entries);
    }

    [Fact]
    public async Task Limits_are_enforced_with_clear_messages()
    {
        var memory = Memory(NewNamespace());
        await Expect.Invalid("key", () => memory.Store(new MemoryWrite("", "1")));
        var longKey = await Expect.Invalid("key", () => memory.Store(new MemoryWrite(new string('k', MemoryLimits.MaxKeyLength + 1), "1")));
        Assert.Contains("256", longKey.Message);
        var json = await Expect.Invalid("value", () => memory.Store(new MemoryWrite("k", "{not json")));
        Assert.Contains("valid JSON", json.Message);
        await Expect.Invalid("value", () => memory.Store(new MemoryWrite("k", "\"" + new string('v', MemoryLimits.MaxValueBytes) + "\"")));
        await Expect.Invalid("ttlSeconds", () => memory.Store(new MemoryWrite("k", "1", TtlSeconds: 0)));
        await Expect.Invalid("ttlSeconds", () => memory.Store(new MemoryWrite("k", "1", TtlSeconds: MemoryLimits.MaxTtlSeconds + 1)));
        await Expect.Invalid("metadata", () => memory.Store(new MemoryWrite("k", "1", Enumerable.Range(0, 33).ToDictionary(i => $"m{i}", i => "v"))));
        await Expect.Invalid("limit", () => memory.List(null, 0));
        await Expect.Invalid("limit", () => memory.Search("x", 1001));
        await Expect.Invalid("query", () => memory.Search("", 10));
        await Expect.Invalid("namespace", () => Memory("bad namespace!").Store(new MemoryWrite("k", "1")));
        await Expect.Invalid("namespace", () => Memory(new string('n', 65)).Store(new MemoryWrite("k", "1")));
        Assert.Equal(0, (await memory.GetStats()).Entries);
    }

    [Fact]
    public async Task A_namespace_holds_at_most_the_entry_limit()
    {
        var memory = Memory(NewNamespace());
        for (var batch = 0; batch < MemoryLimits.MaxEntriesPerNamespace; batch += 1000)
        {
            await Task.WhenAll(Enumerable.Range(batch, 1000).Select(i => memory.Store(new MemoryWrite($"k{i}", "1"))));
        }

        await Expect.Domain(ErrorKind.CapacityExceeded, "key", () => memory.Store(new MemoryWrite("one-more", "1")));
        await memory.Store(new MemoryWrite("k5", "2")); // overwriting is still fine
        Assert.True(await memory.Delete("k0"));
        await memory.Store(new MemoryWrite("one-more", "1", Persist: true));
        Assert.Equal(MemoryLimits.MaxEntriesPerNamespace, (await memory.GetStats()).Entries);
    }

    [Fact]
    public async Task A_repeated_store_request_changes_nothing_even_after_a_reload()
    {
        var ns = "req-" + Guid.NewGuid().ToString("n")[..8];
        var memory = _client.GetGrain<IMemoryGrain>(GrainKeys.Memory(ns));
        var first = await memory.Store(new MemoryWrite("k", "1", Persist: true) { RequestId = "r1" });
        Assert.False(first.Replayed);
        await memory.Store(new MemoryWrite("other", "5") { RequestId = "r2" });
        await fixture.Cluster.DeactivateAsync(_client.GetGrain<IMemoryGrain>(GrainKeys.Memory(ns)));
        var repeat = await memory.Store(new MemoryWrite("k", "2", Persist: true) { RequestId = "r1" });
        Assert.True(repeat.Replayed);
        Assert.Equal("1", (await memory.Retrieve("k"))!.ValueJson);
        Assert.Equal("5", (await memory.Retrieve("other"))!.ValueJson); // the plain write was written behind with its request id
        Assert.True((await memory.Store(new MemoryWrite("other", "6") { RequestId = "r2" })).Replayed);
        await memory.Delete("k");
        await Expect.Domain(SwarmCluster.Contracts.Errors.ErrorKind.Conflict, "requestId", () => memory.Store(new MemoryWrite("k", "3") { RequestId = "r1" }));
    }
}
