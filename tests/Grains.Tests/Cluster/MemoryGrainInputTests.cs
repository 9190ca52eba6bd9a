using Microsoft.Data.Sqlite;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Hosting;

namespace SwarmCluster.Grains.Tests.Cluster;

/// <summary>
/// The memory grain keeps only what every tool and transport can read back, and a write that answers an
/// error leaves the namespace as it was (checked against real SQLite storage).
/// </summary>
[Collection(ClusterCollection.Name)]
public class MemoryGrainInputTests(ClusterFixture fixture)
{
    private IMemoryGrain Memory() => fixture.Client.GetGrain<IMemoryGrain>(GrainKeys.Memory("input-" + Guid.NewGuid().ToString("n")[..12]));

    private static string Nest(int depth) => new string('[', depth) + new string(']', depth);

    [Fact]
    public async Task Values_nested_past_the_limit_or_holding_broken_text_are_refused()
    {
        var memory = Memory();
        await memory.Store(new MemoryWrite("deepest", Nest(InputLimits.MaxValueDepth), Persist: true));
        var deeper = await Expect.Invalid("value", () => memory.Store(new MemoryWrite("deeper", Nest(InputLimits.MaxValueDepth + 1))));
        Assert.Contains($"more than {InputLimits.MaxValueDepth} levels", deeper.Message);
        await Expect.Invalid("value", () => memory.Store(new MemoryWrite("far", Nest(500))));
        await Expect.Invalid("value.a", () => memory.Store(new MemoryWrite("surrogate", """{"a":"\ud800"}""")));
        await Expect.Invalid("value[0]", () => memory.Store(new MemoryWrite("huge", "[1e400]")));
        await Expect.Invalid("key", () => memory.Store(new MemoryWrite("k\u0000", "1")));
        await Expect.Invalid("metadata", () => memory.Store(new MemoryWrite("k", "1", new Dictionary<string, string> { ["owner"] = "a\u001bb" })));

        // Data inside a value is data: a NUL escape is kept as written.
        await memory.Store(new MemoryWrite("nul", """{"a":"x\u0000y"}"""));
        Assert.Equal(["deepest", "nul"], (await memory.List(null, 10)).Entries.Select(e => e.Key));
    }

    [Fact]
    public async Task A_persist_write_that_fails_leaves_the_entry_as_it_was()
    {
        var memory = Memory();
        await memory.Store(new MemoryWrite("kept", "\"old\"", Persist: true));

        // Real storage failure: the entry table is gone for the moment.
        await RenameTable("SwarmMemoryEntries", "SwarmMemoryEntriesAway");
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => memory.Store(new MemoryWrite("kept", "\"new\"", Persist: true)));
            await Assert.ThrowsAnyAsync<Exception>(() => memory.Store(new MemoryWrite("added", "1", Persist: true)));
        }
        finally
        {
            await RenameTable("SwarmMemoryEntriesAway", "SwarmMemoryEntries");
        }

        Assert.Equal("\"old\"", (await memory.Retrieve("kept"))!.ValueJson);
        Assert.Null(await memory.Retrieve("added"));
        var stats = await memory.GetStats();
        Assert.Equal((1, 1, 0), (stats.Entries, stats.DurableEntries, stats.PendingWrites));

        // And the namespace writes again once storage is back.
        Assert.True((await memory.Store(new MemoryWrite("added", "2", Persist: true))).Durable);
    }

    private async Task RenameTable(string from, string to)
    {
        await using var connection = new SqliteConnection(SwarmClusterHosting.BuildSqliteConnectionString(fixture.DatabasePath));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"ALTER TABLE {from} RENAME TO {to}";
        await command.ExecuteNonQueryAsync();
    }
}
