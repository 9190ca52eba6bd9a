using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

/// <summary>The coordination loop through real MCP clients: graphs, claims, leases, cancellation, request ids, the Queen.</summary>
[Collection(GatewayCollection.Name)]
public sealed class CoordinationToolTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Eight_workers_finish_a_hundred_task_graph_exactly_once_while_some_vanish()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 10);
        // Ten layers of ten; each task depends on one to three tasks of the layer before.
        var random = new Random(8);
        var calls = new List<McpCall>();
        var deps = new Dictionary<int, int[]>();
        for (var i = 0; i < 100; i++)
        {
            var layer = i / 10;
            deps[i] = layer == 0 ? [] : Enumerable.Range(0, random.Next(1, 4)).Select(_ => (layer - 1) * 10 + random.Next(10)).Distinct().ToArray();
            calls.Add(Tool($"t{i}", "task_orchestrate", new
            {
                task = $"step {i} of the pipeline (layer {layer})",
                dependsOn = deps[i].Select(d => Ref($"t{d}")).ToArray(),
                assign = false,
                maxAttempts = 5,
                requestId = $"graph-{i}",
                swarmId = swarm,
            }));
        }

        var created = await McpNodeClient.RunAsync(fixture.McpUrl, calls, timeout: TimeSpan.FromMinutes(3));
        var ids = Enumerable.Range(0, 100).Select(i => created[$"t{i}"].Success.GetProperty("id").GetString()!).ToArray();

        var specs = Enumerable.Range(0, 8).Select(w => new
        {
            url = fixture.McpUrl,
            swarmId = swarm,
            name = $"w{w}",
            leaseSeconds = 2,
            beats = 2,
            beatMs = 60,
            vanishAfterClaims = w switch { 1 => 2, 4 => 3, 6 => 1, _ => 0 },
            deadlineMs = 150_000,
        });
        var events = await NodeWorkers.RunAsync(specs, TimeSpan.FromMinutes(3));

        var vanished = events.Where(e => e.Kind == "vanished").Select(e => e.TaskId!).ToList();
        Assert.Equal(3, vanished.Count);
        var completions = events.Where(e => e.Kind == "completed").GroupBy(e => e.TaskId!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(ids.Order(), completions.Keys.Order());
        Assert.All(completions.Values, count => Assert.Equal(1, count));

        var status = await fixture.Run(Tool("s", "task_status", new { swarmId = swarm, detailed = true }), Tool("q", "queen_status", new { swarmId = swarm }),
            Tool("agents", "agent_list", new { swarmId = swarm }));
        var listed = status["s"].Success;
        Assert.Equal(100, listed.GetProperty("total").GetInt32());
        Assert.Equal(100, listed.GetProperty("byStatus").GetProperty("completed").GetInt32());
        var tasks = listed.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!);
        foreach (var (id, task) in tasks)
        {
            var results = task.GetProperty("results").EnumerateArray().ToList();
            Assert.Single(results); // exactly once
            var firstClaim = task.GetProperty("events").EnumerateArray().First(e => e.GetProperty("kind").GetString() == "claimed").GetProperty("at").GetDateTimeOffset();
            foreach (var dependency in task.GetProperty("dependsOn").EnumerateArray().Select(d => d.GetString()!))
            {
                var finished = tasks[dependency].GetProperty("finishedAt").GetDateTimeOffset();
                Assert.True(finished <= firstClaim, $"{id} was claimed at {firstClaim:O} before its dependency {dependency} finished at {finished:O}");
            }
        }

        // The vanished workers' tasks went back to the queue when their leases ran out and were finished by others.
        foreach (var id in vanished)
        {
            var kinds = tasks[id].GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
            Assert.Contains("lease_expired", kinds);
            Assert.Contains("requeued", kinds);
            Assert.True(tasks[id].GetProperty("attempt").GetInt32() >= 2);
        }

        var actions = status["q"].Success.GetProperty("graph").GetProperty("actions").EnumerateArray().ToList();
        Assert.Equal(3, actions.Count(a => a.GetProperty("kind").GetString() == "lease_expired"));
        var agents = status["agents"].Success.GetProperty("agents").EnumerateArray().ToList();
        Assert.Equal(100, agents.Sum(a => a.GetProperty("metrics").GetProperty("tasksCompleted").GetInt32()));
        Assert.Equal(3, agents.Sum(a => a.GetProperty("metrics").GetProperty("leasesExpired").GetInt32()));
        Assert.All(agents, a => Assert.Equal("idle", a.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Claims_leases_cancellation_and_bad_input_over_mcp()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 3);
        var run = await fixture.Run(
            Tool("a", "agent_spawn", new { type = "coder", swarmId = swarm }),
            Tool("first", "task_orchestrate", new { task = "first", assign = false, swarmId = swarm }),
            Tool("second", "task_orchestrate", new { task = "second", assign = false, dependsOn = new[] { Ref("first") }, swarmId = swarm }),
            Tool("blocked", "task_status", new { taskId = Ref("second") }),
            Tool("claim", "task_claim", new { agentId = Ref("a"), leaseSeconds = 30 }),
            Tool("nothing", "task_claim", new { agentId = Ref("a") }),
            Tool("cancel", "task_cancel", new { taskId = Ref("first"), reason = "changed plans" }),
            Tool("after", "task_status", new { taskId = Ref("second") }),
            Tool("unknownDep", "task_orchestrate", new { task = "x", dependsOn = new[] { "task-nope" }, swarmId = swarm }),
            Tool("lease0", "task_claim", new { agentId = Ref("a"), leaseSeconds = 0 }),
            Tool("leaseHuge", "task_claim", new { agentId = Ref("a"), leaseSeconds = 10_000_000 }),
            Tool("neither", "task_claim", new { swarmId = swarm }),
            Tool("nocap", "task_claim", new { capabilities = new[] { "cobol" }, swarmId = swarm }),
            Tool("cancelAgain", "task_cancel", new { taskId = Ref("first") }),
            Tool("destroy", "swarm_destroy", new { swarmId = swarm }),
            Tool("gone", "task_claim", new { agentId = Ref("a") }));

        Assert.Equal("blocked", run["blocked"].Success.GetProperty("tasks")[0].GetProperty("status").GetString());
        var claim = run["claim"].Success;
        Assert.True(claim.GetProperty("claimed").GetBoolean());
        Assert.Equal(run["first"].Success.GetProperty("id").GetString(), claim.GetProperty("task").GetProperty("id").GetString());
        Assert.True(claim.GetProperty("leaseExpiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddSeconds(20));
        Assert.NotEqual(JsonValueKind.Null, claim.GetProperty("routing").ValueKind);
        var nothing = run["nothing"].Success;
        Assert.False(nothing.GetProperty("claimed").GetBoolean());
        Assert.Contains("blocked", nothing.GetProperty("reason").GetString());

        var cancelled = run["cancel"].Success;
        Assert.Equal("cancelled", cancelled.GetProperty("task").GetProperty("status").GetString());
        Assert.Equal([run["second"].Success.GetProperty("id").GetString()], cancelled.GetProperty("alsoCancelled").EnumerateArray().Select(e => e.GetString()));
        var after = run["after"].Success.GetProperty("tasks")[0];
        Assert.Equal("cancelled", after.GetProperty("status").GetString());
        Assert.Contains("dependency", after.GetProperty("statusReason").GetString());

        Assert.Equal("dependsOn[0]", run["unknownDep"].ToolError("not_found").GetProperty("parameter").GetString());
        Assert.Equal("leaseSeconds", run["lease0"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("leaseSeconds", run["leaseHuge"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("agentId", run["neither"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        run["nocap"].ToolError("conflict", "cobol");
        run["cancelAgain"].ToolError("conflict", "already finished");
        run["destroy"].Success.GetProperty("swarmId");
        run["gone"].ToolError("not_found", "not found");
    }

    [Fact]
    public async Task A_retried_request_creates_nothing_twice()
    {
        var key = Guid.NewGuid().ToString("n");
        var run = await fixture.Run(
            Tool("s1", "swarm_init", new { topology = "star", maxAgents = 3, requestId = $"{key}-s" }),
            Tool("s2", "swarm_init", new { topology = "star", maxAgents = 3, requestId = $"{key}-s" }),
            Tool("a1", "agent_spawn", new { type = "coder", swarmId = Ref("s1"), requestId = $"{key}-a" }),
            Tool("a2", "agent_spawn", new { type = "coder", swarmId = Ref("s1"), requestId = $"{key}-a" }),
            Tool("t1", "task_orchestrate", new { task = "once", swarmId = Ref("s1"), requestId = $"{key}-t" }),
            Tool("t2", "task_orchestrate", new { task = "once", swarmId = Ref("s1"), requestId = $"{key}-t" }),
            Tool("c1", "task_complete", new { taskId = Ref("t1"), success = true, output = "one", requestId = $"{key}-c" }),
            Tool("c2", "task_complete", new { taskId = Ref("t1"), success = true, output = "one", requestId = $"{key}-c" }),
            Tool("status", "swarm_status", new { swarmId = Ref("s1") }),
            Tool("results", "task_results", new { taskId = Ref("t1"), format = "raw" }),
            Tool("m1", "memory_usage", new { action = "store", @namespace = key, key = "k", value = new { n = 1 }, persist = true, requestId = $"{key}-m" }),
            Tool("m2", "memory_usage", new { action = "store", @namespace = key, key = "k", value = new { n = 2 }, persist = true, requestId = $"{key}-m" }),
            Tool("m3", "memory_usage", new { action = "retrieve", @namespace = key, key = "k" }));
        Assert.Equal(run["s1"].Success.GetProperty("id").GetString(), run["s2"].Success.GetProperty("id").GetString());
        Assert.Equal(run["a1"].Success.GetProperty("id").GetString(), run["a2"].Success.GetProperty("id").GetString());
        Assert.Equal(run["t1"].Success.GetProperty("id").GetString(), run["t2"].Success.GetProperty("id").GetString());
        Assert.Equal("completed", run["c2"].Success.GetProperty("status").GetString());
        var status = run["status"].Success;
        Assert.Equal(1, status.GetProperty("agents").GetProperty("total").GetInt32());
        Assert.Equal(1, status.GetProperty("tasks").GetProperty("total").GetInt32());
        Assert.Equal(1, run["results"].Success.GetProperty("resultCount").GetInt32());
        Assert.False(run["m1"].Success.GetProperty("replayed").GetBoolean());
        Assert.True(run["m2"].Success.GetProperty("replayed").GetBoolean());
        Assert.False(run["m2"].Success.GetProperty("stored").GetBoolean());
        Assert.Equal(1, run["m3"].Success.GetProperty("entry").GetProperty("value").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task The_queen_plans_a_graph_and_reports_it()
    {
        var run = await fixture.Run(
            Tool("hive", "swarm_create_with_queen", new { objective = "Research caching options, then implement a Redis cache layer, then test it and document the API" }),
            Tool("queen", "queen_status", new { swarmId = Ref("hive", "swarmId") }));
        var hive = run["hive"].Success;
        var tasks = hive.GetProperty("tasks").EnumerateArray().ToList();
        Assert.True(tasks.Count >= 2);
        Assert.Contains(tasks, t => t.GetProperty("dependsOn").GetArrayLength() > 0);
        var queen = run["queen"].Success;
        Assert.Equal(tasks.Count, queen.GetProperty("graph").GetProperty("tasks").GetArrayLength());
        Assert.True(queen.GetProperty("graph").GetProperty("criticalPath").GetArrayLength() >= 2);
        Assert.Equal(JsonValueKind.Object, queen.GetProperty("plan").ValueKind);
        Assert.True(queen.GetProperty("graph").GetProperty("supervision").GetProperty("retryFailedOnce").GetBoolean());
    }
}
