using Orleans.Storage;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Grains;
using SwarmCluster.Grains.State;
using SwarmCluster.Hosting;
using SwarmCluster.Hosting.Storage;
using Database = SwarmCluster.Silo.Tests.MemoryEntryRowsTests.Database;

namespace SwarmCluster.Silo.Tests;

/// <summary>
/// The fencing epoch of memory namespaces on SQLite and PostgreSQL: of two activations of one namespace, the one that
/// claimed it last wins, and the stale one's writes fail without touching the rows.
/// </summary>
public class MemoryFencingTests
{
    public static TheoryData<StorageProvider> Providers => MemoryEntryRowsTests.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_stale_claim_cannot_write_over_the_later_one(StorageProvider provider)
    {
        await using var db = await Database.CreateAsync(provider);
        await SchemaMigrator.MigrateAsync(provider, db.ConnectionString);
        var serviceId = db.Settings["SwarmCluster:ServiceId"]!;
        var key = GrainKeys.Memory("fence-" + Guid.NewGuid().ToString("n")[..8]);
        var first = new SqlMemoryEntryStore(provider, db.ConnectionString, serviceId);
        var second = new SqlMemoryEntryStore(provider, db.ConnectionString, serviceId);

        var stale = await first.ClaimAsync(key);
        await first.WriteAsync(stale, Upserts(("shared", "\"first\""), ("first-only", "1")));
        var current = await second.ClaimAsync(key);
        Assert.Equal(stale.Epoch + 1, current.Epoch);
        await second.WriteAsync(current, new MemoryRowChanges(false, ["first-only"], [Upsert("shared", "\"second\""), Upsert("second-only", "2")],
            [new MemoryRequestRecord { RequestId = "req-second", Key = "second-only", StoredAt = DateTimeOffset.UtcNow }]));

        // Every kind of write the stale activation makes: a persisted store, a write-behind flush, a Clear, a move of old rows.
        var conflicts = new[]
        {
            await Assert.ThrowsAsync<InconsistentStateException>(() => first.WriteAsync(stale, new MemoryRowChanges(false, [], [Upsert("shared", "\"stale\"")],
                [new MemoryRequestRecord { RequestId = "req-stale", Key = "shared", StoredAt = DateTimeOffset.UtcNow }]))),
            await Assert.ThrowsAsync<InconsistentStateException>(() => first.WriteAsync(stale,
                new MemoryRowChanges(false, ["second-only"], [Upsert("stale-only", "3")], []))),
            await Assert.ThrowsAsync<InconsistentStateException>(() => first.WriteAsync(stale, new MemoryRowChanges(true, [], [], []))),
            await Assert.ThrowsAsync<InconsistentStateException>(() => first.ImportAsync(stale,
                new Dictionary<string, MemoryRecord> { ["imported"] = Record("4") }, [])),
        };
        Assert.All(conflicts, c => Assert.Equal((current.Epoch.ToString(), stale.Epoch.ToString()), (c.StoredEtag, c.CurrentEtag)));

        Assert.Equal([("second-only", "2"), ("shared", "\"second\"")], (await db.RowsAsync(key)).Select(r => (r.EntryKey, r.ValueJson)));

        // The epoch is per namespace: claiming another one leaves this fence valid.
        await first.ClaimAsync(GrainKeys.Memory("other-" + Guid.NewGuid().ToString("n")[..8]));
        await second.WriteAsync(current, Upserts(("after", "5")));

        // A restart (a new store, a new claim) reads everything the current activation wrote.
        var restarted = new SqlMemoryEntryStore(provider, db.ConnectionString, serviceId);
        Assert.Equal(current.Epoch + 1, (await restarted.ClaimAsync(key)).Epoch);
        var rows = await restarted.LoadAsync(key);
        Assert.Equal([("after", "5"), ("second-only", "2"), ("shared", "\"second\"")],
            rows.Entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, e.Value.ValueJson)));
        Assert.Equal(["req-second"], rows.Requests.Select(r => r.RequestId));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_stale_memory_grain_answers_a_conflict_and_the_next_call_sees_the_current_rows(StorageProvider provider)
    {
        await using var db = await Database.CreateAsync(provider);
        var ns = "split-" + Guid.NewGuid().ToString("n")[..8];
        var key = GrainKeys.Memory(ns);

        // Two single-silo clusters of one service on one database: each activates the namespace, as a silo cut off
        // from the cluster would. No write-behind timer in the stale one, so only the calls below write.
        var staleSettings = new Dictionary<string, string?>(db.Settings) { ["SwarmCluster:MemoryFlushInterval"] = "01:00:00" };
        var currentSettings = new Dictionary<string, string?>(db.Settings)
        {
            ["SwarmCluster:ClusterId"] = TestEnvironment.UniqueId("memfence"),
            ["SwarmCluster:SiloPort"] = TestEnvironment.FreePort().ToString(),
            ["SwarmCluster:GatewayPort"] = TestEnvironment.FreePort().ToString(),
        };
        await using (var staleSilo = await SiloHost.StartAsync(SiloRole.Worker, staleSettings))
        await using (var currentSilo = await SiloHost.StartAsync(SiloRole.Worker, currentSettings))
        {
            var stale = staleSilo.Grains.GetGrain<IMemoryGrain>(key);
            Assert.True((await stale.Store(new MemoryWrite("shared", "\"first\"", Persist: true))).Durable);

            var current = currentSilo.Grains.GetGrain<IMemoryGrain>(key);
            Assert.Equal("\"first\"", (await current.Retrieve("shared"))!.ValueJson);
            Assert.True((await current.Store(new MemoryWrite("shared", "\"current\"", Persist: true))).Durable);
            Assert.True((await current.Store(new MemoryWrite("current-only", "1", Persist: true) { RequestId = "req-current" })).Durable);

            var persisted = await Assert.ThrowsAsync<DomainException>(() => stale.Store(new MemoryWrite("shared", "\"stale\"", Persist: true)));
            Assert.Equal((ErrorKind.Conflict, "namespace"), (persisted.Kind, persisted.Parameter));
            Assert.Contains(ns, persisted.Message, StringComparison.Ordinal);
            Assert.Equal([("current-only", "1"), ("shared", "\"current\"")], (await db.RowsAsync(key)).Select(r => (r.EntryKey, r.ValueJson)));

            // The stale activation is gone: the next call in its cluster activates afresh, loading the current rows.
            Assert.Equal("\"current\"", (await stale.Retrieve("shared"))!.ValueJson);
            Assert.Equal(2, (await stale.GetStats()).Entries);
        }

        Assert.Equal([("current-only", "1", "req-current"), ("shared", "\"current\"", null)],
            (await db.RowsAsync(key)).Select(r => (r.EntryKey, r.ValueJson, r.RequestId)));

        await using (var silo = await SiloHost.StartAsync(SiloRole.Worker, db.Settings))
        {
            var memory = silo.Grains.GetGrain<IMemoryGrain>(key);
            var listing = await memory.List(null, 10);
            Assert.Equal([("current-only", "1"), ("shared", "\"current\"")], listing.Entries.Select(e => (e.Key, e.ValueJson)));
            Assert.True((await memory.Store(new MemoryWrite("current-only", "9") { RequestId = "req-current" })).Replayed);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_stale_flush_is_refused_and_the_next_activation_takes_the_namespace_back(StorageProvider provider)
    {
        await using var db = await Database.CreateAsync(provider);
        var key = GrainKeys.Memory("behind-" + Guid.NewGuid().ToString("n")[..8]);
        var settings = new Dictionary<string, string?>(db.Settings) { ["SwarmCluster:MemoryFlushInterval"] = "01:00:00" };
        await using var silo = await SiloHost.StartAsync(SiloRole.Worker, settings);
        var memory = silo.Grains.GetGrain<IMemoryGrain>(key);
        await memory.Store(new MemoryWrite("kept", "1", Persist: true));

        // Another activation claims the namespace and writes (what a second cluster's activation does first).
        var other = new SqlMemoryEntryStore(provider, db.ConnectionString, db.Settings["SwarmCluster:ServiceId"]!);
        var fence = await other.ClaimAsync(key);
        await other.WriteAsync(fence, Upserts(("kept", "\"newer\"")));

        await memory.Store(new MemoryWrite("plain", "2"));
        var flush = await Assert.ThrowsAsync<DomainException>(() => memory.Flush());
        Assert.Equal(ErrorKind.Conflict, flush.Kind);
        Assert.Equal([("kept", "\"newer\"")], (await db.RowsAsync(key)).Select(r => (r.EntryKey, r.ValueJson)));

        // The next call activates afresh and claims the namespace back: now the other writer is the stale one, and
        // this activation's Clear lands.
        Assert.Equal("\"newer\"", (await memory.Retrieve("kept"))!.ValueJson);
        await Assert.ThrowsAsync<InconsistentStateException>(() => other.WriteAsync(fence, Upserts(("late", "3"))));
        Assert.Equal(1, await memory.Clear());
        Assert.Empty(await db.RowsAsync(key));
    }

    private static MemoryRecord Record(string valueJson)
    {
        var now = DateTimeOffset.UtcNow;
        return new MemoryRecord { ValueJson = valueJson, CreatedAt = now, UpdatedAt = now, SizeBytes = valueJson.Length };
    }

    private static MemoryRowUpsert Upsert(string key, string valueJson) => new(key, Record(valueJson));

    private static MemoryRowChanges Upserts(params (string Key, string ValueJson)[] entries) =>
        new(false, [], entries.Select(e => Upsert(e.Key, e.ValueJson)).ToList(), []);
}
