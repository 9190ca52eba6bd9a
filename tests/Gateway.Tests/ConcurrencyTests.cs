using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

/// <summary>ruv-swarm died on 10 concurrent agent_spawn calls; here 100 at once must all land, exactly once each.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ConcurrencyTests(GatewayFixture fixture)
{
    [Fact]
    public async Task HundredConcurrentSpawns_ThenHundredConcurrentTasks()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 100);
        var types = new[] { "researcher", "coder", "analyst", "optimizer", "coordinator" };

        var spawns = await fixture.RunConcurrently(Enumerable.Range(0, 100)
            .Select(i => Tool($"s{i}", "agent_spawn", new { type = types[i % types.Length], swarmId = swarm })));
        var agents = spawns.All.Select(o => o.Success).ToList();
        Assert.Equal(100, agents.Count);
        Assert.Equal(100, agents.Select(a => a.GetProperty("id").GetString()).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 100), agents.Select(a => a.GetProperty("slot").GetInt32()).Order());

        var tasks = await fixture.RunConcurrently(Enumerable.Range(0, 100)
            .Select(i => Tool($"t{i}", "task_orchestrate", new { task = $"task number {i}", swarmId = swarm })));
        var created = tasks.All.Select(o => o.Success).ToList();
        Assert.Equal(100, created.Select(t => t.GetProperty("id").GetString()).Distinct().Count());

        var check = await fixture.Run(
            Tool("list", "agent_list", new { swarmId = swarm }),
            Tool("status", "swarm_status", new { swarmId = swarm }),
            Tool("tasks", "task_status", new { swarmId = swarm }),
            Tool("full", "agent_spawn", new { type = "coder", swarmId = swarm }));
        Assert.Equal(100, check["list"].Success.GetProperty("count").GetInt32());
        var status = check["status"].Success;
        Assert.Equal(100, status.GetProperty("counters").GetProperty("agentsSpawned").GetInt64());
        Assert.Equal(100, status.GetProperty("counters").GetProperty("tasksOrchestrated").GetInt64());
        Assert.Equal(100, status.GetProperty("tasks").GetProperty("total").GetInt32());
        Assert.Equal(100, check["tasks"].Success.GetProperty("total").GetInt32());
        check["full"].ToolError("capacity_exceeded", "maxAgents 100");
    }
}
