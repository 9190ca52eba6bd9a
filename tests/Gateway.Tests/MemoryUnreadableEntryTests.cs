using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SwarmCluster.Contracts;
using SwarmCluster.Gateway.Tests.Infrastructure;
using SwarmCluster.Hosting;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// A namespace holding an entry that cannot be returned (stored before the depth rule, or edited by hand)
/// must still list and search its other entries and say which one is unreadable. The entry is planted in
/// the entry's real SQLite row between two runs of the gateway. The same gateway runs with a long memory flush
/// interval, to show the setting decides when plain writes reach the database.
/// </summary>
public sealed class MemoryUnreadableEntryTests : IAsyncLifetime
{
    private const string Namespace = "legacy";
    private const string Planted = "PLANTED-VALUE";
    private readonly string _dataDirectory = TestPaths.NewTempDirectory("unreadable");
    private static readonly Dictionary<string, string?> LongFlushInterval = new() { ["SwarmCluster__MemoryFlushInterval"] = "01:00:00" };

    [Fact]
    public async Task ListAndSearch_SkipAndName_AnUnreadableEntry_RetrieveExplains_DeleteRemovesIt()
    {
        var gateway = await GatewayProcess.StartAsync(_dataDirectory, LongFlushInterval);
        try
        {
            var stored = await McpNodeClient.RunAsync(gateway.McpUrl,
                Tool("a", "memory_usage", new { action = "store", @namespace = Namespace, key = "a", value = new { n = 1 }, persist = true }),
                Tool("b", "memory_usage", new { action = "store", @namespace = Namespace, key = "b", value = new { plant = Planted }, persist = true }),
                Tool("c", "memory_usage", new { action = "store", @namespace = Namespace, key = "c", value = new[] { 1, 2 } }));
            Assert.False(stored["c"].Success.GetProperty("durable").GetBoolean());

            // With a one-hour interval the plain write is still pending well after the default second.
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            var stats = await McpNodeClient.RunAsync(gateway.McpUrl, Tool("s", "memory_usage", new { detail = "detailed" }));
            var ns = stats["s"].Success.GetProperty("memory").GetProperty("byNamespace").EnumerateArray()
                .Single(n => n.GetProperty("namespace").GetString() == Namespace);
            Assert.Equal(1, ns.GetProperty("pendingWrites").GetInt32());
        }
        finally
        {
            // A clean stop writes what is pending.
            Assert.Equal(0, await gateway.StopAsync(TimeSpan.FromSeconds(30)));
            await gateway.DisposeAsync();
        }

        // What an older version could store: a value nested past what any answer can carry.
        var tooDeep = Encoding.UTF8.GetString(HostileCases.Nest(InputLimits.MaxValueDepth + 3, "deep"));
        await ReplaceEntryValue("b", JsonSerializer.Serialize(new { plant = Planted }), tooDeep);

        gateway = await GatewayProcess.StartAsync(_dataDirectory, LongFlushInterval);
        try
        {
            var run = await McpNodeClient.RunAsync(gateway.McpUrl,
                Tool("list", "memory_usage", new { action = "list", @namespace = Namespace }),
                Tool("search", "memory_usage", new { action = "search", @namespace = Namespace, query = "d" }),
                Tool("get", "memory_usage", new { action = "retrieve", @namespace = Namespace, key = "b" }),
                Tool("getA", "memory_usage", new { action = "retrieve", @namespace = Namespace, key = "a" }),
                Tool("delete", "memory_usage", new { action = "delete", @namespace = Namespace, key = "b" }),
                Tool("after", "memory_usage", new { action = "list", @namespace = Namespace }));

            var list = run["list"].Success;
            Assert.Equal(3, list.GetProperty("total").GetInt32());
            Assert.Equal(["a", "c"], list.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("key").GetString()));
            var unreadable = Assert.Single(list.GetProperty("unreadable").EnumerateArray());
            Assert.Equal("b", unreadable.GetProperty("key").GetString());
            Assert.Contains($"more than {InputLimits.MaxValueDepth} levels", unreadable.GetProperty("reason").GetString());

            // "d" is in the planted value's raw text ({"d":...}) only: found, and reported unreadable.
            var search = run["search"].Success;
            Assert.Equal(0, search.GetProperty("count").GetInt32());
            Assert.Equal("b", Assert.Single(search.GetProperty("unreadable").EnumerateArray()).GetProperty("key").GetString());

            var error = run["get"].ToolError("conflict", "cannot be returned");
            Assert.Equal("key", error.GetProperty("parameter").GetString());
            Assert.Equal(1, run["getA"].Success.GetProperty("entry").GetProperty("value").GetProperty("n").GetInt32());

            Assert.True(run["delete"].Success.GetProperty("deleted").GetBoolean());
            var after = run["after"].Success;
            Assert.Equal(2, after.GetProperty("count").GetInt32());
            Assert.Equal(0, after.GetProperty("unreadable").GetArrayLength());
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    /// <summary>Edits one entry's stored row with the gateway stopped.</summary>
    private async Task ReplaceEntryValue(string key, string expected, string replacement)
    {
        var connectionString = SwarmClusterHosting.BuildSqliteConnectionString(Path.Combine(_dataDirectory, "swarm.db"));
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var write = connection.CreateCommand();
        write.CommandText = "UPDATE SwarmMemoryEntries SET ValueJson = $value WHERE GrainKey = $grain AND EntryKey = $key AND ValueJson = $expected";
        write.Parameters.AddWithValue("$value", replacement);
        write.Parameters.AddWithValue("$grain", GrainKeys.Memory(Namespace));
        write.Parameters.AddWithValue("$key", key);
        write.Parameters.AddWithValue("$expected", expected);
        Assert.Equal(1, await write.ExecuteNonQueryAsync());
    }

    public Task InitializeAsync()
    {
        McpNodeClient.EnsureInstalled();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }
}
