using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class AgentToolTests(GatewayFixture fixture)
{
    [Fact]
    public async Task AgentSpawn_List_Filters_AndMaxAgentsIsEnforced()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 3);
        var run = await fixture.Run(
            Tool("a", "agent_spawn", new { type = "coder", name = "Ada", capabilities = new[] { "python", "rust" }, swarmId = swarm }),
            Tool("b", "agent_spawn", new { type = "researcher", cognitivePattern = "lateral", swarmId = swarm }),
            Tool("c", "agent_spawn", new { type = "tester", swarmId = swarm }),
            Tool("full", "agent_spawn", new { type = "coder", swarmId = swarm }),
            Tool("task", "task_orchestrate", new { task = "implement the python parser", requiredCapabilities = new[] { "python" }, swarmId = swarm }),
            Tool("all", "agent_list", new { swarmId = swarm }),
            Tool("busy", "agent_list", new { filter = "busy", swarmId = swarm }),
            Tool("active", "agent_list", new { filter = "active", swarmId = swarm }),
            Tool("idle", "agent_list", new { filter = "idle", swarmId = swarm }));

        var ada = run["a"].Success;
        Assert.StartsWith("agent-", ada.GetProperty("id").GetString());
        Assert.Equal("Ada", ada.GetProperty("name").GetString());
        Assert.Equal("coder", ada.GetProperty("type").GetString());
        Assert.Equal(["python", "rust"], ada.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(0, ada.GetProperty("slot").GetInt32());
        Assert.Equal("idle", ada.GetProperty("status").GetString());
        Assert.Equal("lateral", run["b"].Success.GetProperty("pattern").GetString());
        Assert.Equal(2, run["c"].Success.GetProperty("slot").GetInt32());

        var full = run["full"].ToolError("capacity_exceeded", "maxAgents 3");
        Assert.Equal("maxAgents", full.GetProperty("parameter").GetString());

        Assert.Equal(3, run["all"].Success.GetProperty("count").GetInt32());
        var busy = run["busy"].Success.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("id").GetString()).ToList();
        Assert.Equal([ada.GetProperty("id").GetString()], busy);
        Assert.Equal(busy, run["active"].Success.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        Assert.Equal(2, run["idle"].Success.GetProperty("count").GetInt32());
        Assert.Equal("busy", run["busy"].Success.GetProperty("agents")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task AgentMetrics_ComeFromRecordedHistory_AndCpuMemoryAreProcessWide()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 2);
        var run = await fixture.Run(
            Tool("a", "agent_spawn", new { type = "coder", swarmId = swarm }),
            Tool("fresh", "agent_metrics", new { agentId = Ref("a"), metric = "performance" }),
            Tool("t1", "task_orchestrate", new { task = "first", swarmId = swarm }),
            Tool("c1", "task_complete", new { taskId = Ref("t1"), success = true, quality = 0.8, agentId = Ref("a") }),
            Tool("t2", "task_orchestrate", new { task = "second", swarmId = swarm }),
            Tool("c2", "task_complete", new { taskId = Ref("t2"), success = false, error = "compile error" }),
            Tool("one", "agent_metrics", new { agentId = Ref("a") }),
            Tool("tasks", "agent_metrics", new { swarmId = swarm, metric = "tasks" }),
            Tool("cpu", "agent_metrics", new { swarmId = swarm, metric = "cpu" }));

        var fresh = run["fresh"].Success.GetProperty("agents")[0].GetProperty("performance");
        Assert.Equal(JsonValueKind.Null, fresh.GetProperty("successRate").ValueKind); // no history: unknown, not 0 or 1

        var one = run["one"].Success;
        Assert.Equal("agent", one.GetProperty("scope").GetString());
        var agent = one.GetProperty("agents")[0];
        Assert.Equal(2, agent.GetProperty("tasks").GetProperty("assigned").GetInt32());
        Assert.Equal(1, agent.GetProperty("tasks").GetProperty("completed").GetInt32());
        Assert.Equal(1, agent.GetProperty("tasks").GetProperty("failed").GetInt32());
        Assert.Equal(0.5, agent.GetProperty("performance").GetProperty("successRate").GetDouble(), 3);
        Assert.Equal(0.8, agent.GetProperty("performance").GetProperty("averageQuality").GetDouble(), 3);
        Assert.Equal(2, one.GetProperty("recentHistory").GetArrayLength());

        var tasks = run["tasks"].Success;
        Assert.Equal(JsonValueKind.Null, tasks.GetProperty("agents")[0].GetProperty("performance").ValueKind);
        Assert.Equal(JsonValueKind.Null, tasks.GetProperty("process").ValueKind);

        var cpu = run["cpu"].Success;
        Assert.Contains("cannot be measured", cpu.GetProperty("resourceNote").GetString());
        var process = cpu.GetProperty("process");
        Assert.Equal("process-wide", process.GetProperty("scope").GetString());
        Assert.True(process.GetProperty("workingSetBytes").GetInt64() > 10_000_000);
        Assert.True(process.GetProperty("cpuTimeMs").GetDouble() > 0);
    }
}
