using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

/// <summary>Every error is an isError result whose text names the parameter and the rule (never a JSON-RPC -32603).</summary>
[Collection(GatewayCollection.Name)]
public sealed class ToolErrorTests(GatewayFixture fixture)
{
    public sealed record Case(string Tool, object Arguments, string Kind, string Parameter, string Contains);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // bad enum values
        ["swarm_init topology"] = new("swarm_init", new { topology = "cube" }, "invalid_argument", "topology", "must be one of mesh, hierarchical, ring, star"),
        ["agent_spawn type"] = new("agent_spawn", new { type = "wizard" }, "invalid_argument", "type", "must be one of"),
        ["agent_list filter"] = new("agent_list", new { filter = "sleeping" }, "invalid_argument", "filter", "must be one of all, active, idle, busy"),
        ["agent_metrics metric"] = new("agent_metrics", new { metric = "gpu" }, "invalid_argument", "metric", "must be one of"),
        ["task_orchestrate priority"] = new("task_orchestrate", new { task = "x", priority = "urgent" }, "invalid_argument", "priority", "must be one of low, medium, high, critical"),
        ["task_results format"] = new("task_results", new { taskId = "task-x", format = "xml" }, "invalid_argument", "format", "must be one of"),
        ["benchmark_run type"] = new("benchmark_run", new { type = "gpu" }, "invalid_argument", "type", "must be one of"),
        ["features_detect category"] = new("features_detect", new { category = "gpu" }, "invalid_argument", "category", "must be one of"),
        ["memory_usage detail"] = new("memory_usage", new { detail = "verbose" }, "invalid_argument", "detail", "must be one of summary, detailed, by-agent"),
        ["memory_usage action"] = new("memory_usage", new { action = "drop" }, "invalid_argument", "action", "must be one of"),
        ["neural_patterns pattern"] = new("neural_patterns", new { pattern = "chaotic" }, "invalid_argument", "pattern", "must be one of"),
        // numbers out of range or of the wrong kind
        ["swarm_init maxAgents high"] = new("swarm_init", new { topology = "mesh", maxAgents = 101 }, "invalid_argument", "maxAgents", "must be between 1 and 100 (got 101)"),
        ["swarm_init maxAgents zero"] = new("swarm_init", new { topology = "mesh", maxAgents = 0 }, "invalid_argument", "maxAgents", "must be between 1 and 100"),
        ["swarm_init maxAgents fraction"] = new("swarm_init", new { topology = "mesh", maxAgents = 2.5 }, "invalid_argument", "maxAgents", "must be an integer"),
        ["task_orchestrate maxAgents"] = new("task_orchestrate", new { task = "x", maxAgents = 11 }, "invalid_argument", "maxAgents", "must be between 1 and 10"),
        ["benchmark_run iterations"] = new("benchmark_run", new { iterations = 1000 }, "invalid_argument", "iterations", "must be between 1 and 100"),
        ["neural_train iterations"] = new("neural_train", new { iterations = 0 }, "invalid_argument", "iterations", "must be between 1 and 100"),
        ["swarm_monitor duration"] = new("swarm_monitor", new { duration = 61 }, "invalid_argument", "duration", "must be between 0 and 60"),
        ["swarm_monitor interval"] = new("swarm_monitor", new { interval = 0.01 }, "invalid_argument", "interval", "must be between 0.1 and 60"),
        ["swarm_monitor samples"] = new("swarm_monitor", new { duration = 60, interval = 0.1 }, "invalid_argument", "interval", "at most 600"),
        ["task_progress progress"] = new("task_progress", new { taskId = "task-x", progress = 1.5 }, "invalid_argument", "progress", "must be between 0 and 1"),
        ["task_complete quality"] = new("task_complete", new { taskId = "task-x", success = true, quality = -0.1 }, "invalid_argument", "quality", "must be between 0 and 1"),
        ["memory_usage ttl"] = new("memory_usage", new { action = "store", key = "k", value = 1, ttl = 0 }, "invalid_argument", "ttl", "must be between 1"),
        // wrong types, unknown and missing parameters
        ["swarm_status verbose type"] = new("swarm_status", new { verbose = "yes" }, "invalid_argument", "verbose", "must be a boolean"),
        ["agent_spawn capabilities type"] = new("agent_spawn", new { type = "coder", capabilities = "python" }, "invalid_argument", "capabilities", "must be an array"),
        ["swarm_init unknown parameter"] = new("swarm_init", new { topology = "mesh", agents = 3 }, "invalid_argument", "agents", "unknown parameter"),
        ["swarm_init missing"] = new("swarm_init", new { }, "invalid_argument", "topology", "required parameter is missing"),
        ["agent_spawn missing"] = new("agent_spawn", new { }, "invalid_argument", "type", "required parameter is missing"),
        ["task_orchestrate missing"] = new("task_orchestrate", new { }, "invalid_argument", "task", "required parameter is missing"),
        ["task_orchestrate blank"] = new("task_orchestrate", new { task = "   " }, "invalid_argument", "task", "must not be blank"),
        ["task_results missing"] = new("task_results", new { }, "invalid_argument", "taskId", "required parameter is missing"),
        ["task_complete missing success"] = new("task_complete", new { taskId = "task-x" }, "invalid_argument", "success", "required parameter is missing"),
        ["swarm_destroy missing"] = new("swarm_destroy", new { }, "invalid_argument", "swarmId", "required parameter is missing"),
        ["swarm_create_with_queen missing"] = new("swarm_create_with_queen", new { }, "invalid_argument", "objective", "required parameter is missing"),
        ["memory_usage store without key"] = new("memory_usage", new { action = "store", value = 1 }, "invalid_argument", "key", "required for action=store"),
        ["memory_usage search without query"] = new("memory_usage", new { action = "search" }, "invalid_argument", "query", "required for action=search"),
        ["neural_process neither"] = new("neural_process", new { }, "invalid_argument", "input", "exactly one of input"),
        ["neural_train samples shape"] = new("neural_train", new { samples = new[] { new { input = new[] { 1.0 } } } }, "invalid_argument", "samples[0].target", "required property is missing"),
        // unknown ids
        ["swarm_status unknown swarm"] = new("swarm_status", new { swarmId = "swarm-doesnotexist" }, "not_found", "swarmId", "swarm 'swarm-doesnotexist' not found"),
        ["swarm_destroy malformed id"] = new("swarm_destroy", new { swarmId = "../etc" }, "not_found", "swarmId", "not found"),
        ["agent_spawn unknown swarm"] = new("agent_spawn", new { type = "coder", swarmId = "swarm-nothere" }, "not_found", "swarmId", "not found"),
        ["agent_metrics unknown agent"] = new("agent_metrics", new { agentId = "agent-nothere" }, "not_found", "agentId", "agent 'agent-nothere' not found"),
        ["neural_status unknown agent"] = new("neural_status", new { agentId = "agent-nothere" }, "not_found", "agentId", "not found"),
        ["task_status unknown task"] = new("task_status", new { taskId = "task-nothere" }, "not_found", "taskId", "task 'task-nothere' not found"),
        ["task_results unknown task"] = new("task_results", new { taskId = "task-nothere" }, "not_found", "taskId", "task 'task-nothere' not found"),
        ["task_results malformed id"] = new("task_results", new { taskId = "42" }, "not_found", "taskId", "not found"),
        ["task_progress unknown task"] = new("task_progress", new { taskId = "task-nothere", progress = 0.5 }, "not_found", "taskId", "not found"),
        ["task_complete unknown task"] = new("task_complete", new { taskId = "task-nothere", success = true }, "not_found", "taskId", "not found"),
        ["neural_process unknown swarm"] = new("neural_process", new { swarmId = "swarm-nothere", input = new[] { 1.0 } }, "not_found", "swarmId", "not found"),
    };

    [Fact]
    public async Task BadCalls_AreClearIsErrorResults_NamingParameterAndRule()
    {
        // One client session for all cases (a node process per case would cost seconds).
        var run = await fixture.Run(Cases.Select(kv => Tool(kv.Key, kv.Value.Tool, kv.Value.Arguments)).ToArray());
        foreach (var (name, c) in Cases)
        {
            var error = run[name].ToolError(c.Kind, c.Contains);
            Assert.True(c.Parameter == error.GetProperty("parameter").GetString(), $"{name}: parameter {error.GetProperty("parameter")}");
            Assert.True(run[name].Text.StartsWith(c.Parameter + ":", StringComparison.Ordinal), $"{name}: '{run[name].Text}' does not lead with {c.Parameter}");
        }
    }

    [Fact]
    public async Task UnknownTool_IsAProtocolError()
    {
        var run = await fixture.Run(Tool("call", "no_such_tool", new { }));
        Assert.False(run["call"].Ok);
        Assert.Equal(-32602, run["call"].ErrorCode);
    }
}
