using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

/// <summary>daa_workflow_create / daa_workflow_execute: a workflow runs as a task graph that independent MCP workers finish.</summary>
[Collection(GatewayCollection.Name)]
public sealed class DaaWorkflowTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_twelve_step_workflow_runs_to_completion_with_four_workers_in_dependency_order()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 6);
        var workflow = "release-" + Guid.NewGuid().ToString("n")[..8];
        // A diamond-shaped pipeline: plan → 4 builds → 4 tests (each after its build) → 2 reviews (after two tests each) → ship.
        var steps = new List<object> { new { id = "plan", description = "plan the release" } };
        steps.AddRange(Enumerable.Range(1, 4).Select(i => new { id = $"build{i}", description = $"build module {i}", dependsOn = new[] { "plan" } }));
        steps.AddRange(Enumerable.Range(1, 4).Select(i => new { id = $"test{i}", description = $"test module {i}" }));
        steps.Add(new { id = "reviewA", description = "review modules 1 and 2" });
        steps.Add(new { id = "reviewB", description = "review modules 3 and 4" });
        steps.Add(new { id = "ship", description = "ship the release" });
        var dependencies = new Dictionary<string, string[]>
        {
            ["test1"] = ["build1"], ["test2"] = ["build2"], ["test3"] = ["build3"], ["test4"] = ["build4"],
            ["reviewA"] = ["test1", "test2"], ["reviewB"] = ["test3", "test4"], ["ship"] = ["reviewA", "reviewB"],
        };

        var calls = new List<McpCall>
        {
            Tool("create", "daa_workflow_create", new { id = workflow, name = "Release", steps, dependencies, strategy = "parallel" }),
            Tool("repeat", "daa_workflow_create", new { id = workflow, name = "Release", steps, dependencies, strategy = "parallel" }),
        };
        calls.AddRange(Enumerable.Range(0, 4).Select(w => Tool($"w{w}", "daa_agent_create", new { id = $"worker-{w}", swarmId = swarm })));
        calls.Add(Tool("outsider", "daa_agent_create", new { id = "outsider", swarmId = swarm }));
        calls.Add(Tool("exec", "daa_workflow_execute", new { workflowId = workflow, agentIds = Enumerable.Range(0, 4).Select(w => $"worker-{w}").ToArray(), parallelExecution = true, swarmId = swarm }));
        calls.Add(Tool("again", "daa_workflow_execute", new { workflow_id = workflow, swarmId = swarm }));
        var run = await McpNodeClient.RunAsync(fixture.McpUrl, calls);

        var created = run["create"].Success;
        Assert.True(created.GetProperty("created").GetBoolean());
        Assert.False(run["repeat"].Success.GetProperty("created").GetBoolean());
        Assert.Equal(12, created.GetProperty("steps").GetArrayLength());
        Assert.Equal("plan", created.GetProperty("order")[0].GetString());
        Assert.Equal("ship", created.GetProperty("order")[11].GetString());

        var exec = run["exec"].Success;
        Assert.True(exec.GetProperty("started").GetBoolean());
        Assert.True(exec.GetProperty("parallel").GetBoolean());
        Assert.Equal(12, exec.GetProperty("total").GetInt32());
        Assert.Equal(1, exec.GetProperty("ready").GetInt32()); // only "plan" has no dependencies
        Assert.Equal(11, exec.GetProperty("blocked").GetInt32());
        Assert.False(exec.GetProperty("finished").GetBoolean());
        var again = run["again"].Success;
        Assert.False(again.GetProperty("started").GetBoolean());
        Assert.Equal(exec.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("taskId").GetString()),
            again.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("taskId").GetString()));

        var allowed = Enumerable.Range(0, 4).Select(w => run[$"w{w}"].Success.GetProperty("agent").GetProperty("id").GetString()!).ToList();
        var outsider = run["outsider"].Success.GetProperty("agent").GetProperty("id").GetString()!;
        var workers = allowed.Select((id, w) => (object)new { url = fixture.McpUrl, swarmId = swarm, name = $"wf{w}", agentId = id, leaseSeconds = 30, beats = 1, beatMs = 40, deadlineMs = 120_000 })
            .Append(new { url = fixture.McpUrl, swarmId = swarm, name = "wf-outsider", agentId = outsider, leaseSeconds = 30, beats = 1, beatMs = 40, deadlineMs = 120_000 });
        var events = await NodeWorkers.RunAsync(workers, TimeSpan.FromMinutes(3));

        var completed = events.Where(e => e.Kind == "completed").ToList();
        Assert.Equal(12, completed.Count);
        Assert.Equal(12, completed.Select(e => e.TaskId).Distinct().Count());
        Assert.DoesNotContain(events, e => e.Worker == "wf-outsider" && e.Kind == "claimed");
        Assert.True(completed.Select(e => e.Worker).Distinct().Count() >= 2, "the independent steps should be spread over several workers");

        var progress = (await fixture.Run(Tool("p", "daa_workflow_execute", new { workflowId = workflow, swarmId = swarm })))["p"].Success;
        Assert.True(progress.GetProperty("finished").GetBoolean());
        Assert.Equal(12, progress.GetProperty("completed").GetInt32());
        Assert.Equal(1.0, progress.GetProperty("progress").GetDouble());

        // Each step was claimed only after every step it depends on had finished.
        var taskOf = progress.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("stepId").GetString()!, s => s.GetProperty("taskId").GetString()!);
        var status = (await fixture.Run(Tool("s", "task_status", new { swarmId = swarm, detailed = true })))["s"].Success;
        var tasks = status.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!);
        foreach (var step in progress.GetProperty("steps").EnumerateArray())
        {
            var task = tasks[step.GetProperty("taskId").GetString()!];
            Assert.Equal(step.GetProperty("stepId").GetString(), task.GetProperty("key").GetString());
            var claimed = task.GetProperty("events").EnumerateArray().First(e => e.GetProperty("kind").GetString() == "claimed");
            Assert.Contains(claimed.GetProperty("agentId").GetString(), allowed);
            foreach (var dependency in step.GetProperty("dependsOn").EnumerateArray())
            {
                var finished = tasks[taskOf[dependency.GetString()!]].GetProperty("finishedAt").GetDateTimeOffset();
                Assert.True(finished <= claimed.GetProperty("at").GetDateTimeOffset(), $"{step.GetProperty("stepId")} claimed before {dependency} finished");
            }
        }
    }

    [Fact]
    public async Task Sequential_execution_chains_independent_steps_and_bad_workflows_are_refused()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 2);
        var id = "seq-" + Guid.NewGuid().ToString("n")[..8];
        var steps = new[] { new { id = "a", description = "step a" }, new { id = "b", description = "step b" }, new { id = "c", description = "step c" } };
        var run = await fixture.Run(
            Tool("create", "daa_workflow_create", new { id, name = "Three independent steps", steps }),
            Tool("exec", "daa_workflow_execute", new { workflowId = id, parallelExecution = false, swarmId = swarm }),
            Tool("agent", "daa_agent_create", new { id = "solo", swarmId = swarm }),
            Tool("claim", "task_claim", new { agentId = Ref("agent", "agent.id"), swarmId = swarm }),
            Tool("second", "task_claim", new { agentId = Ref("agent", "agent.id"), swarmId = swarm }),
            Tool("cycle", "daa_workflow_create", new { id = id + "-cycle", name = "loop", steps, dependencies = new { a = new[] { "c" }, b = new[] { "a" }, c = new[] { "b" } } }),
            Tool("self", "daa_workflow_create", new { id = id + "-self", name = "self", steps, dependencies = new { a = new[] { "a" } } }),
            Tool("unknownDep", "daa_workflow_create", new { id = id + "-dep", name = "dep", steps, dependencies = new { a = new[] { "zzz" } } }),
            Tool("unknownKey", "daa_workflow_create", new { id = id + "-key", name = "key", steps, dependencies = new { zzz = new[] { "a" } } }),
            Tool("dupStep", "daa_workflow_create", new { id = id + "-dup", name = "dup", steps = new[] { new { id = "a", description = "x" }, new { id = "a", description = "y" } } }),
            Tool("noSteps", "daa_workflow_create", new { id = id + "-none", name = "none" }),
            Tool("noDescription", "daa_workflow_create", new { id = id + "-nodesc", name = "nodesc", steps = new[] { new { id = "a" } } }),
            Tool("badId", "daa_workflow_create", new { id = "has space", name = "x", steps }),
            Tool("changed", "daa_workflow_create", new { id, name = "Another definition", steps }),
            Tool("missing", "daa_workflow_execute", new { workflowId = "never-created", swarmId = swarm }),
            Tool("noWorkflow", "daa_workflow_execute", new { swarmId = swarm }),
            Tool("badAgent", "daa_workflow_execute", new { workflowId = id, agentIds = new[] { "ghost" }, swarmId = await fixture.NewSwarm(maxAgents: 1) }));

        var exec = run["exec"].Success;
        Assert.False(exec.GetProperty("parallel").GetBoolean());
        Assert.Equal(1, exec.GetProperty("ready").GetInt32());
        Assert.Equal(2, exec.GetProperty("blocked").GetInt32());
        var dependsOn = exec.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("stepId").GetString()!, s => s.GetProperty("dependsOn").EnumerateArray().Select(d => d.GetString()).ToList());
        Assert.Empty(dependsOn["a"]);
        Assert.Equal(["a"], dependsOn["b"]);
        Assert.Equal(["b"], dependsOn["c"]);
        Assert.Equal("a", run["claim"].Success.GetProperty("task").GetProperty("key").GetString());
        Assert.False(run["second"].Success.GetProperty("claimed").GetBoolean()); // b waits for a although the definition has no edge

        Assert.Contains("dependencies form a cycle: a → b → c → a", run["cycle"].ToolError("invalid_argument").GetProperty("message").GetString());
        Assert.Equal("dependencies", run["cycle"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("dependencies.a", run["self"].ToolError("invalid_argument", "itself").GetProperty("parameter").GetString());
        Assert.Equal("dependencies.a", run["unknownDep"].ToolError("invalid_argument", "zzz").GetProperty("parameter").GetString());
        Assert.Equal("dependencies.zzz", run["unknownKey"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("steps[1].id", run["dupStep"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("steps", run["noSteps"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("steps[0].description", run["noDescription"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("id", run["badId"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("id", run["changed"].ToolError("conflict").GetProperty("parameter").GetString());
        Assert.Equal("workflowId", run["missing"].ToolError("not_found").GetProperty("parameter").GetString());
        Assert.Equal("workflowId", run["noWorkflow"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("agentIds[0]", run["badAgent"].ToolError("not_found").GetProperty("parameter").GetString());
    }
}
