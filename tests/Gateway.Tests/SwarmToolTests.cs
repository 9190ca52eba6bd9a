using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class SwarmToolTests(GatewayFixture fixture)
{
    [Fact]
    public async Task SwarmInit_Status_Monitor_Destroy()
    {
        var run = await fixture.Run(
            Tool("init", "swarm_init", new { topology = "hierarchical", maxAgents = 7, strategy = "specialized" }),
            Tool("spawn", "agent_spawn", new { type = "coder", swarmId = Ref("init") }),
            Tool("default", "swarm_status", new { }),
            Tool("status", "swarm_status", new { swarmId = Ref("init"), verbose = true }),
            Tool("monitor", "swarm_monitor", new { swarmId = Ref("init"), duration = 0.6, interval = 0.2 }),
            Tool("destroy", "swarm_destroy", new { swarmId = Ref("init") }),
            Tool("gone", "swarm_status", new { swarmId = Ref("init") }));

        var swarm = run["init"].Success;
        var id = swarm.GetProperty("id").GetString()!;
        Assert.StartsWith("swarm-", id);
        Assert.Equal("hierarchical", swarm.GetProperty("topology").GetString());
        Assert.Equal("specialized", swarm.GetProperty("strategy").GetString());
        Assert.Equal(7, swarm.GetProperty("maxAgents").GetInt32());
        Assert.Equal([128, 64, 32, 7], swarm.GetProperty("networkLayers").EnumerateArray().Select(x => x.GetInt32()));

        // Without swarmId: the newest swarm (this one, unless another test made one since; the collection runs serially).
        Assert.Equal(id, run["default"].Success.GetProperty("swarmId").GetString());

        var status = run["status"].Success;
        Assert.Equal(1, status.GetProperty("agents").GetProperty("total").GetInt32());
        Assert.Equal(1, status.GetProperty("agentDetails").GetArrayLength());
        Assert.Equal(1, status.GetProperty("counters").GetProperty("agentsSpawned").GetInt64());
        Assert.Equal((128 + 1) * 64 + (64 + 1) * 32 + (32 + 1) * 7, status.GetProperty("neural").GetProperty("connectionCount").GetInt32());
        Assert.Equal(id, status.GetProperty("swarmIds")[0].GetString()); // newest first
        Assert.True(status.GetProperty("swarmCount").GetInt32() >= status.GetProperty("swarmIds").GetArrayLength());

        var monitor = run["monitor"].Success;
        var samples = monitor.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(4, samples.Count); // t = 0, 0.2, 0.4, 0.6
        Assert.Equal(JsonValueKind.Null, samples[0].GetProperty("delta").ValueKind);
        Assert.Equal(0, samples[1].GetProperty("delta").GetProperty("agentsSpawned").GetInt64());
        Assert.True(samples[^1].GetProperty("t").GetDouble() >= 0.55);
        Assert.True(run["monitor"].Ms >= 550, $"monitor returned after {run["monitor"].Ms} ms");
        Assert.Equal(0, monitor.GetProperty("summary").GetProperty("delta").GetProperty("agentsSpawned").GetInt64());

        var destroyed = run["destroy"].Success;
        Assert.Equal(1, destroyed.GetProperty("agentsRemoved").GetInt32());
        run["gone"].ToolError("not_found", "not found");
    }

    [Fact]
    public async Task SwarmMonitor_SeesActivityBetweenSamples()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 20);
        var monitor = McpNodeClient.RunAsync(fixture.McpUrl, [Tool("monitor", "swarm_monitor", new { swarmId = swarm, duration = 6, interval = 0.5 })]);
        await Task.Delay(2000); // well inside the window, even when starting the client is slow
        var spawns = await fixture.RunConcurrently(Enumerable.Range(0, 5).Select(i => Tool($"s{i}", "agent_spawn", new { type = "analyst", swarmId = swarm })));
        Assert.All(spawns.All, s => _ = s.Success);

        var result = (await monitor)["monitor"].Success;
        var samples = result.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(13, samples.Count);
        var seen = result.GetProperty("summary").GetProperty("delta").GetProperty("agentsSpawned").GetInt64();
        Assert.True(seen > 0, "the monitor saw none of the spawns");
        Assert.Equal(5, samples[0].GetProperty("counters").GetProperty("agentsSpawned").GetInt64() + seen);
        Assert.Equal(5, samples[^1].GetProperty("agents").GetProperty("total").GetInt32());
        Assert.Equal(seen, samples.Skip(1).Sum(x => x.GetProperty("delta").GetProperty("agentsSpawned").GetInt64()));
        Assert.True(result.GetProperty("summary").GetProperty("ratePerSecond").GetProperty("agentsSpawned").GetDouble() > 0);
    }
}
