using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class MemoryToolTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Store_Retrieve_List_Search_Delete_AnyJson()
    {
        var ns = "test-" + Guid.NewGuid().ToString("n")[..8];
        var run = await fixture.Run(
            Tool("s1", "memory_usage", new { action = "store", @namespace = ns, key = "plan/1", value = new { steps = new[] { 1, 2, 3 }, done = false }, persist = true }),
            Tool("s2", "memory_usage", new { action = "store", @namespace = ns, key = "plan/2", value = "just text", metadata = new Dictionary<string, string> { ["owner"] = "queen" } }),
            Tool("s3", "memory_usage", new { action = "store", @namespace = ns, key = "other", value = 42, ttl = 3600 }),
            Tool("get", "memory_usage", new { action = "retrieve", @namespace = ns, key = "plan/1" }),
            Tool("list", "memory_usage", new { action = "list", @namespace = ns, prefix = "plan/" }),
            Tool("search", "memory_usage", new { action = "search", @namespace = ns, query = "queen" }),
            Tool("del", "memory_usage", new { action = "delete", @namespace = ns, key = "plan/2" }),
            Tool("delAgain", "memory_usage", new { action = "delete", @namespace = ns, key = "plan/2" }),
            Tool("missing", "memory_usage", new { action = "retrieve", @namespace = ns, key = "plan/2" }),
            Tool("limit", "memory_usage", new { action = "list", @namespace = ns, limit = 1 }));

        var stored = run["s1"].Success;
        Assert.True(stored.GetProperty("durable").GetBoolean()); // persist: acknowledged once in the database
        var value = run["get"].Success.GetProperty("entry").GetProperty("value");
        Assert.Equal(3, value.GetProperty("steps").GetArrayLength());
        Assert.False(value.GetProperty("done").GetBoolean());
        Assert.NotEqual(JsonValueKind.Null, run["s3"].Success.GetProperty("entry").GetProperty("expiresAt").ValueKind);

        var list = run["list"].Success;
        Assert.Equal(2, list.GetProperty("total").GetInt32());
        Assert.Equal(["plan/1", "plan/2"], list.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("key").GetString()).Order());
        Assert.Equal("plan/2", run["search"].Success.GetProperty("entries")[0].GetProperty("key").GetString());

        Assert.True(run["del"].Success.GetProperty("deleted").GetBoolean());
        Assert.False(run["delAgain"].Success.GetProperty("deleted").GetBoolean());
        Assert.False(run["missing"].Success.GetProperty("found").GetBoolean());
        var limited = run["limit"].Success;
        Assert.Equal(1, limited.GetProperty("count").GetInt32());
        Assert.Equal(2, limited.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Statistics_Summary_Detailed_ByAgent()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 2);
        var run = await fixture.Run(
            Tool("a", "agent_spawn", new { type = "coder", swarmId = swarm }),
            Tool("t", "task_orchestrate", new { task = "x", swarmId = swarm }),
            Tool("c", "task_complete", new { taskId = Ref("t"), success = true }),
            Tool("store", "memory_usage", new { action = "store", key = "stats-probe", value = true }),
            Tool("summary", "memory_usage", new { }),
            Tool("detailed", "memory_usage", new { detail = "detailed" }),
            Tool("byAgent", "memory_usage", new { detail = "by-agent", swarmId = swarm }));

        var summary = run["summary"].Success;
        Assert.True(summary.GetProperty("process").GetProperty("workingSetBytes").GetInt64() > 0);
        Assert.True(summary.GetProperty("gc").GetProperty("heapSizeBytes").GetInt64() > 0);
        Assert.True(summary.GetProperty("activations").GetProperty("total").GetInt32() >= 3);
        Assert.True(summary.GetProperty("memory").GetProperty("entries").GetInt32() >= 1);
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("activations").GetProperty("byType").ValueKind);

        var detailed = run["detailed"].Success;
        Assert.Contains(detailed.GetProperty("activations").GetProperty("byType").EnumerateArray(),
            t => t.GetProperty("grainType").GetString()!.Contains("swarm", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(detailed.GetProperty("memory").GetProperty("byNamespace").EnumerateArray(), n => n.GetProperty("namespace").GetString() == "default");
        Assert.True(detailed.GetProperty("gc").GetProperty("generations").GetArrayLength() >= 3);

        var byAgent = run["byAgent"].Success.GetProperty("swarms")[0];
        Assert.Equal(swarm, byAgent.GetProperty("swarmId").GetString());
        Assert.Equal(1, byAgent.GetProperty("agentRows")[0].GetProperty("historyEntries").GetInt32());
    }
}
