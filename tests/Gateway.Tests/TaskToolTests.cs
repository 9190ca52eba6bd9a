using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class TaskToolTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Orchestrate_Progress_Complete_Status_AndResultsInEveryFormat()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 4);
        var run = await fixture.Run(
            Tool("a", "agent_spawn", new { type = "coder", capabilities = new[] { "python" }, swarmId = swarm }),
            Tool("b", "agent_spawn", new { type = "reviewer", swarmId = swarm }),
            Tool("t", "task_orchestrate", new { task = "write the parser", strategy = "parallel", priority = "high", maxAgents = 2, swarmId = swarm }),
            Tool("none", "task_results", new { taskId = Ref("t") }),
            Tool("p", "task_progress", new { taskId = Ref("t"), progress = 0.4, message = "tokenizer done", agentId = Ref("a") }),
            Tool("status1", "task_status", new { taskId = Ref("t"), detailed = true }),
            Tool("done", "task_complete", new { taskId = Ref("t"), success = true, output = "parser.py", quality = 0.75, agentId = Ref("a") }),
            Tool("again", "task_complete", new { taskId = Ref("t"), success = true }),
            Tool("summary", "task_results", new { taskId = Ref("t") }),
            Tool("detailed", "task_results", new { taskId = Ref("t"), format = "detailed" }),
            Tool("raw", "task_results", new { taskId = Ref("t"), format = "raw" }),
            Tool("list", "task_status", new { swarmId = swarm }));

        var task = run["t"].Success;
        var taskId = task.GetProperty("id").GetString()!;
        Assert.StartsWith("task-", taskId);
        Assert.Equal("assigned", task.GetProperty("status").GetString());
        Assert.Equal("high", task.GetProperty("priority").GetString());
        Assert.Equal("parallel", task.GetProperty("strategy").GetString());
        Assert.Equal(2, task.GetProperty("assignedAgents").GetArrayLength());
        Assert.Equal("capability_match", task.GetProperty("routing").GetProperty("method").GetString());

        var none = run["none"].Success;
        Assert.Equal(0, none.GetProperty("resultCount").GetInt32());
        Assert.Contains("no results recorded", none.GetProperty("note").GetString());

        var progressed = run["status1"].Success.GetProperty("tasks")[0];
        Assert.Equal("in_progress", progressed.GetProperty("status").GetString());
        Assert.Equal(0.4, progressed.GetProperty("progress").GetDouble(), 3);
        Assert.Equal("tokenizer done", progressed.GetProperty("progressHistory")[0].GetProperty("message").GetString());

        Assert.Equal("completed", run["done"].Success.GetProperty("status").GetString());
        run["again"].ToolError("conflict", "already finished");

        var summary = run["summary"].Success;
        Assert.Equal(1, summary.GetProperty("resultCount").GetInt32());
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("note").ValueKind);
        Assert.Equal("parser.py", summary.GetProperty("summary").GetProperty("latest").GetProperty("output").GetString());
        Assert.Equal(0.75, summary.GetProperty("summary").GetProperty("averageQuality").GetDouble(), 3);
        Assert.Equal(taskId, run["detailed"].Success.GetProperty("task").GetProperty("id").GetString());
        var raw = run["raw"].Success.GetProperty("results");
        Assert.Equal(1, raw.GetArrayLength());
        Assert.Equal(run["a"].Success.GetProperty("id").GetString(), raw[0].GetProperty("agentId").GetString());

        var list = run["list"].Success;
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Equal(1, list.GetProperty("byStatus").GetProperty("completed").GetInt32());
    }

    [Fact]
    public async Task Orchestrate_WithoutAgents_OrWithoutMatchingCapability_IsAClearConflict()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 2);
        var run = await fixture.Run(
            Tool("empty", "task_orchestrate", new { task = "anything", swarmId = swarm }),
            Tool("a", "agent_spawn", new { type = "coder", swarmId = swarm }),
            Tool("nomatch", "task_orchestrate", new { task = "anything", requiredCapabilities = new[] { "cobol" }, swarmId = swarm }),
            Tool("wrongagent", "task_orchestrate", new { task = "x", swarmId = swarm }),
            Tool("p", "task_progress", new { taskId = Ref("wrongagent"), progress = 0.1, agentId = "agent-notinswarm" }),
            Tool("b", "agent_spawn", new { type = "tester", swarmId = swarm }),
            Tool("notholder", "task_progress", new { taskId = Ref("wrongagent"), progress = 0.1, agentId = Ref("b") }));

        run["empty"].ToolError("conflict", "no agents");
        run["nomatch"].ToolError("conflict", "cobol");
        run["p"].ToolError("not_found", "agent 'agent-notinswarm' not found");
        run["notholder"].ToolError("conflict", "does not hold");
    }
}
