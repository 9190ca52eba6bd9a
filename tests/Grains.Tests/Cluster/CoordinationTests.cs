using System.Collections.Concurrent;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Tests.Cluster;

/// <summary>The task graph, the queue, claims with leases and retries that never duplicate, on a real cluster.</summary>
[Collection(ClusterCollection.Name)]
public class CoordinationTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private async Task<(ISwarmGrain Swarm, string Id, List<AgentInfo> Agents)> SwarmAsync(int agents, SupervisionPolicy? policy = null, int maxAgents = 10, params string[][] capabilities)
    {
        var id = GrainKeys.NewSwarmId();
        var swarm = _client.GetGrain<ISwarmGrain>(id);
        await swarm.Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, maxAgents) { Supervision = policy });
        var list = new List<AgentInfo>();
        for (var i = 0; i < agents; i++)
        {
            list.Add(await swarm.SpawnAgent(new AgentSpec(AgentType.Coder, $"a{i}", i < capabilities.Length ? capabilities[i] : null)));
        }

        return (swarm, id, list);
    }

    private static TaskSpec Queued(string text, params string[] dependsOn) => new(text) { Assign = false, DependsOn = dependsOn };

    [Fact]
    public async Task Dependencies_block_until_completed_then_the_task_is_ready()
    {
        var (swarm, _, agents) = await SwarmAsync(1);
        var design = await swarm.Orchestrate(Queued("design the schema"));
        var build = await swarm.Orchestrate(Queued("build the tables", design.Id));
        var test = await swarm.Orchestrate(Queued("test the tables", build.Id, design.Id));
        Assert.Equal(TaskState.Pending, design.Status);
        Assert.Equal(TaskState.Blocked, build.Status);
        Assert.Equal([design.Id], build.BlockedBy);
        Assert.Equal(TaskState.Blocked, test.Status);
        Assert.Equal((1, 2), ((await swarm.GetStatus(false)).Tasks.Pending, (await swarm.GetStatus(false)).Tasks.Blocked));

        // Only the ready task can be claimed; blocked ones cannot be reported on.
        await Expect.Domain(ErrorKind.Conflict, "taskId", () => swarm.CompleteTask(build.Id, new TaskCompletion(null, true, "too early")));
        var claim = await swarm.Claim(new ClaimRequest(agents[0].Id, null));
        Assert.True(claim.Claimed);
        Assert.Equal(design.Id, claim.Task!.Id);
        Assert.False((await swarm.Claim(new ClaimRequest(agents[0].Id, null))).Claimed);

        await swarm.CompleteTask(design.Id, new TaskCompletion(agents[0].Id, true, "schema"));
        var buildNow = await swarm.GetTask(build.Id, false);
        Assert.Equal(TaskState.Pending, buildNow.Status);
        Assert.Empty(buildNow.BlockedBy);
        Assert.Equal([build.Id], (await swarm.GetTask(test.Id, false)).BlockedBy);
    }

    [Fact]
    public async Task Bad_dependencies_are_refused_naming_the_parameter_and_nothing_is_created()
    {
        var (swarm, id, agents) = await SwarmAsync(1);
        var ex = await Expect.Domain(ErrorKind.NotFound, "dependsOn[0]", () => swarm.Orchestrate(Queued("x", GrainKeys.TaskId(id, 77))));
        Assert.Contains("not found", ex.Message);
        var failing = await swarm.Orchestrate(new TaskSpec("will fail"));
        await swarm.CompleteTask(failing.Id, new TaskCompletion(agents[0].Id, false, null, Error: "broke"));
        await Expect.Invalid("dependsOn[0]", () => swarm.Orchestrate(Queued("after a failure", failing.Id)));
        var self = GrainKeys.TaskIdForRequest(id, "self");
        await Expect.Invalid("dependsOn[0]", () => swarm.Orchestrate(Queued("needs itself", self) with { RequestId = "self" }));
        await Expect.Invalid("leaseSeconds", () => swarm.Orchestrate(new TaskSpec("x") { LeaseSeconds = 0 }));
        await Expect.Invalid("leaseSeconds", () => swarm.Orchestrate(new TaskSpec("x") { LeaseSeconds = 86_401 }));
        await Expect.Invalid("maxAttempts", () => swarm.Orchestrate(new TaskSpec("x") { MaxAttempts = 0 }));

        var cycle = await Expect.Invalid("dependsOn", () => swarm.OrchestrateBatch(
        [
            new TaskSpec("a") { Key = "a", DependsOn = ["c"] },
            new TaskSpec("b") { Key = "b", DependsOn = ["a"] },
            new TaskSpec("c") { Key = "c", DependsOn = ["b"] },
            new TaskSpec("d") { Key = "d" },
        ]));
        Assert.Contains("cycle", cycle.Message);
        Assert.Contains("a → b → c → a", cycle.Message);
        await Expect.Invalid("tasks[1].key", () => swarm.OrchestrateBatch([new TaskSpec("a") { Key = "a" }, new TaskSpec("b") { Key = "a" }]));
        Assert.Equal(1, (await swarm.GetStatus(false)).Tasks.Total); // only the failed one exists
    }

    [Fact]
    public async Task A_batch_is_ordered_by_its_dependencies_and_the_critical_path_follows_them()
    {
        var (swarm, _, _) = await SwarmAsync(1);
        var tasks = await swarm.OrchestrateBatch(
        [
            new TaskSpec("document it") { Key = "doc", DependsOn = ["test"], Assign = false },
            new TaskSpec("test it") { Key = "test", DependsOn = ["build"], Assign = false },
            new TaskSpec("build it") { Key = "build", DependsOn = ["design"], Assign = false },
            new TaskSpec("design it") { Key = "design", Assign = false },
            new TaskSpec("announce it") { Key = "news", DependsOn = ["design"], Assign = false },
        ]);
        var byKey = tasks.ToDictionary(t => t.Key!);
        Assert.Equal([byKey["test"].Id], byKey["doc"].DependsOn);
        var graph = await swarm.GetGraph();
        Assert.Equal(new[] { "design", "build", "test", "doc" }.Select(k => byKey[k].Id), graph.CriticalPath);
        Assert.Equal(TaskState.Pending, graph.Tasks.Single(t => t.Key == "design").Status);
        Assert.All(graph.Tasks.Where(t => t.Key != "design"), t => Assert.Equal(TaskState.Blocked, t.Status));
    }

    [Fact]
    public async Task A_failed_or_cancelled_dependency_cancels_its_dependents_with_the_reason()
    {
        var (swarm, _, agents) = await SwarmAsync(1);
        var root = await swarm.Orchestrate(new TaskSpec("root"));
        var child = await swarm.Orchestrate(Queued("child", root.Id));
        var grandchild = await swarm.Orchestrate(Queued("grandchild", child.Id));
        var other = await swarm.Orchestrate(Queued("unrelated"));
        await swarm.CompleteTask(root.Id, new TaskCompletion(agents[0].Id, false, null, Error: "disk full"));
        foreach (var id in new[] { child.Id, grandchild.Id })
        {
            var task = await swarm.GetTask(id, true);
            Assert.Equal(TaskState.Cancelled, task.Status);
            Assert.Contains(root.Id, task.StatusReason);
            Assert.Contains("failed", task.StatusReason);
        }

        Assert.Equal(TaskState.Pending, (await swarm.GetTask(other.Id, false)).Status);
        var log = (await swarm.GetGraph()).Actions;
        Assert.Contains(log, a => a.Kind == SupervisionActionKind.DependentsCancelled && a.TaskId == root.Id && a.Reason.Contains(grandchild.Id));

        var a = await swarm.Orchestrate(Queued("a"));
        var b = await swarm.Orchestrate(Queued("b", a.Id));
        var cancelled = await swarm.CancelTask(a.Id, "no longer needed");
        Assert.Equal([b.Id], cancelled.AlsoCancelled);
        Assert.Equal(TaskState.Cancelled, (await swarm.GetTask(b.Id, false)).Status);
    }

    [Fact]
    public async Task Ready_tasks_go_out_by_priority_then_first_in_first_out()
    {
        var (swarm, _, agents) = await SwarmAsync(1);
        var low = await swarm.Orchestrate(Queued("low one") with { Priority = TaskPriority.Low });
        var medium1 = await swarm.Orchestrate(Queued("medium one"));
        var critical = await swarm.Orchestrate(Queued("critical one") with { Priority = TaskPriority.Critical });
        var medium2 = await swarm.Orchestrate(Queued("medium two"));
        var high = await swarm.Orchestrate(Queued("high one") with { Priority = TaskPriority.High });
        var order = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            order.Add((await swarm.Claim(new ClaimRequest(agents[0].Id, null))).Task!.Id);
        }

        Assert.Equal([critical.Id, high.Id, medium1.Id, medium2.Id, low.Id], order);
        var none = await swarm.Claim(new ClaimRequest(agents[0].Id, null));
        Assert.False(none.Claimed);
        Assert.Null(none.Task);
        Assert.Contains("no ready task", none.Reason);
        Assert.Equal(5, (await swarm.GetAgent(agents[0].Id)).OpenTaskIds.Count);
    }

    [Fact]
    public async Task Concurrent_claimers_never_get_the_same_task()
    {
        var (swarm, _, agents) = await SwarmAsync(10);
        var created = await swarm.OrchestrateBatch(Enumerable.Range(0, 60).Select(i => new TaskSpec($"job {i}") { Key = $"k{i}", Assign = false }).ToList());
        var claimed = new ConcurrentBag<string>();
        await Task.WhenAll(agents.Select(async agent =>
        {
            while (true)
            {
                var claim = await swarm.Claim(new ClaimRequest(agent.Id, null, 60));
                if (!claim.Claimed)
                {
                    return;
                }

                claimed.Add(claim.Task!.Id);
            }
        }));
        Assert.Equal(60, claimed.Count);
        Assert.Equal(created.Select(t => t.Id).Order(), claimed.Order());
        var status = await swarm.GetStatus(true);
        Assert.Equal(60, status.Tasks.Assigned);
        Assert.Equal(60, status.Agents.Sum(a => a.OpenTaskIds.Count));
    }

    [Fact]
    public async Task An_expired_lease_requeues_the_task_and_after_max_attempts_fails_it()
    {
        var (swarm, _, agents) = await SwarmAsync(2);
        var task = await swarm.Orchestrate(Queued("flaky job") with { MaxAttempts = 2 });
        var dependent = await swarm.Orchestrate(Queued("after the flaky job", task.Id));
        var first = await swarm.Claim(new ClaimRequest(agents[0].Id, null, LeaseSeconds: 1));
        Assert.Equal(1, first.Task!.Attempt);
        await WaitUntil(swarm, task.Id, t => t.Status == TaskState.Pending);

        var requeued = await swarm.GetTask(task.Id, true);
        Assert.Equal(1, requeued.Attempt);
        Assert.Empty(requeued.AssignedAgents);
        Assert.Contains(requeued.Events, e => e.Kind == TaskEventKind.LeaseExpired && e.AgentId == agents[0].Id);
        Assert.Contains("expired", requeued.StatusReason);
        var agent = await swarm.GetAgent(agents[0].Id);
        Assert.Equal((AgentStatus.Idle, 1, 1), (agent.Status, agent.Metrics.LeasesExpired, agent.Metrics.TasksAssigned));

        // The agent whose lease ran out may still hand in its result while nobody else holds the task ...
        // ... but here a second worker claims it, and the late result is refused.
        var second = await swarm.Claim(new ClaimRequest(agents[1].Id, null, LeaseSeconds: 1));
        Assert.Equal((task.Id, 2), (second.Task!.Id, second.Task.Attempt));
        await Expect.Domain(ErrorKind.Conflict, "agentId", () => swarm.CompleteTask(task.Id, new TaskCompletion(agents[0].Id, true, "late")));
        await WaitUntil(swarm, task.Id, t => t.Status == TaskState.Failed);
        var failed = await swarm.GetTask(task.Id, false);
        Assert.Contains("attempt 2 of 2", failed.StatusReason);
        Assert.Equal(TaskState.Cancelled, (await swarm.GetTask(dependent.Id, false)).Status);
        var actions = (await swarm.GetGraph()).Actions;
        Assert.Equal(2, actions.Count(a => a.Kind == SupervisionActionKind.LeaseExpired && a.TaskId == task.Id));
        Assert.Contains(actions, a => a.Kind == SupervisionActionKind.TaskFailedAfterAttempts && a.TaskId == task.Id);
    }

    [Fact]
    public async Task Heartbeats_renew_the_lease_and_a_late_result_nobody_contests_is_kept()
    {
        var (swarm, _, agents) = await SwarmAsync(1);
        var task = await swarm.Orchestrate(Queued("long job"));
        var claim = await swarm.Claim(new ClaimRequest(agents[0].Id, null, LeaseSeconds: 2));
        for (var i = 1; i <= 4; i++)
        {
            await Task.Delay(700);
            var beat = await swarm.ReportProgress(task.Id, agents[0].Id, i / 10.0, $"step {i}");
            Assert.True(beat.LeaseExpiresAt > claim.LeaseExpiresAt);
        }

        Assert.Equal(TaskState.InProgress, (await swarm.GetTask(task.Id, false)).Status); // 2.8 s > the 2 s lease
        await WaitUntil(swarm, task.Id, t => t.Status == TaskState.Pending);
        await Expect.Domain(ErrorKind.Conflict, "taskId", () => swarm.ReportProgress(task.Id, agents[0].Id, 0.9, "too late"));
        var done = await swarm.CompleteTask(task.Id, new TaskCompletion(agents[0].Id, true, "finished anyway", 0.7));
        Assert.Equal(TaskState.Completed, done.Status);
        Assert.Contains((await swarm.GetTask(task.Id, true)).Events, e => e.Kind == TaskEventKind.LateResultAccepted);
        Assert.Equal(1, (await swarm.GetAgent(agents[0].Id)).Metrics.TasksCompleted);
    }

    [Fact]
    public async Task Repeated_request_ids_return_the_first_result_and_change_nothing()
    {
        var swarmId = GrainKeys.SwarmIdForRequest("test", "init-1");
        var swarm = _client.GetGrain<ISwarmGrain>(swarmId);
        var config = new SwarmConfig(SwarmTopology.Star, DistributionStrategy.Balanced, 3) { RequestId = "init-1" };
        var created = await swarm.Initialize(config);
        Assert.Equal(created.CreatedAt, (await swarm.Initialize(config)).CreatedAt);
        await Expect.Domain(ErrorKind.Conflict, "swarmId", () => swarm.Initialize(config with { RequestId = "other" }));

        var agent = await swarm.SpawnAgent(new AgentSpec(AgentType.Coder) { RequestId = "spawn-1" });
        Assert.Equal(agent.Id, (await swarm.SpawnAgent(new AgentSpec(AgentType.Coder) { RequestId = "spawn-1" })).Id);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => swarm.Orchestrate(new TaskSpec("once only") { RequestId = "task-1", Assign = false })));
        Assert.Single(concurrent.Select(t => t.Id).Distinct());

        var claims = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => swarm.Claim(new ClaimRequest(agent.Id, null, RequestId: "claim-1"))));
        Assert.Single(claims.Select(c => c.Task!.Id).Distinct());
        Assert.Equal(4, claims.Count(c => c.Replayed));
        Assert.Equal(1, (await swarm.GetTask(concurrent[0].Id, false)).Attempt);

        var completion = new TaskCompletion(agent.Id, true, "done", 0.9) { RequestId = "complete-1" };
        await swarm.CompleteTask(concurrent[0].Id, completion);
        var repeat = await swarm.CompleteTask(concurrent[0].Id, completion);
        Assert.Equal(TaskState.Completed, repeat.Status);
        Assert.Single((await swarm.GetTask(concurrent[0].Id, true)).Results);
        await Expect.Domain(ErrorKind.Conflict, "taskId", () => swarm.CompleteTask(concurrent[0].Id, completion with { RequestId = "complete-2" }));

        var status = await swarm.GetStatus(false);
        Assert.Equal((1, 1, 1L), (status.Info.AgentCount, status.Tasks.Total, status.Counters.AgentsSpawned));
    }

    [Fact]
    public async Task The_queens_policy_retries_a_failure_elsewhere_and_spawns_agents_for_missing_capabilities()
    {
        var (swarm, _, agents) = await SwarmAsync(2, SupervisionPolicy.Queen, maxAgents: 3);
        var task = await swarm.Orchestrate(Queued("parse the logs"));
        await swarm.Claim(new ClaimRequest(agents[0].Id, null));
        var retried = await swarm.CompleteTask(task.Id, new TaskCompletion(agents[0].Id, false, null, Error: "timeout"));
        Assert.Equal(TaskState.Pending, retried.Status);
        Assert.Contains("retrying once on another agent", retried.StatusReason);
        Assert.False((await swarm.Claim(new ClaimRequest(agents[0].Id, null))).Claimed); // the failing agent is excluded
        var second = await swarm.Claim(new ClaimRequest(agents[1].Id, null));
        Assert.Equal(task.Id, second.Task!.Id);
        var failed = await swarm.CompleteTask(task.Id, new TaskCompletion(agents[1].Id, false, null, Error: "timeout again"));
        Assert.Equal(TaskState.Failed, failed.Status); // only once

        var gpu = await swarm.Orchestrate(Queued("train the model") with { RequiredCapabilities = ["gpu"] });
        var roster = await swarm.ListAgents(null);
        var spawned = Assert.Single(roster, a => a.Capabilities.Contains("gpu"));
        var claim = await swarm.Claim(new ClaimRequest(null, ["gpu"]));
        Assert.Equal((gpu.Id, spawned.Id), (claim.Task!.Id, claim.AgentId));

        await swarm.Orchestrate(Queued("quantum thing") with { RequiredCapabilities = ["qubits"] });
        var graph = await swarm.GetGraph();
        Assert.Contains(graph.Actions, a => a.Kind == SupervisionActionKind.RetriedOnAnotherAgent && a.TaskId == task.Id);
        Assert.Contains(graph.Actions, a => a.Kind == SupervisionActionKind.AgentSpawned && a.AgentId == spawned.Id);
        Assert.Contains(graph.Actions, a => a.Kind == SupervisionActionKind.CannotSpawn && a.Reason.Contains("maxAgents 3"));
        Assert.Contains(graph.Stalled, s => s.Kind == StallKind.NoEligibleAgent);
    }

    [Fact]
    public async Task The_swarm_repairs_what_its_tasks_say_when_it_activates()
    {
        // A task grain that recorded a result the swarm never heard about (a crash between the two writes):
        // the swarm's next activation reads it back, counts it and releases its dependents.
        var (swarm, id, agents) = await SwarmAsync(1);
        var first = await swarm.Orchestrate(new TaskSpec("first"));
        var next = await swarm.Orchestrate(Queued("next", first.Id));
        await _client.GetGrain<ITaskGrain>(first.Id).Report(new TaskReport(new TaskCompletion(agents[0].Id, true, "done behind the swarm's back"), false));
        Assert.Equal(1, (await swarm.GetStatus(false)).Tasks.Assigned); // the swarm has not heard yet

        await fixture.Cluster.DeactivateAsync(_client.GetGrain<ISwarmGrain>(id));
        var status = await swarm.GetStatus(true);
        Assert.Equal((1, 1, 0), (status.Tasks.Completed, status.Tasks.Pending, status.Tasks.Assigned));
        Assert.Equal(AgentStatus.Idle, status.Agents[0].Status);
        Assert.Equal(1, status.Agents[0].Metrics.TasksCompleted);
        Assert.Equal(TaskState.Pending, (await swarm.GetTask(next.Id, false)).Status);
        Assert.Equal(1, (await swarm.GetNeuralStatus()).RecordedSamples);
    }

    private static async Task WaitUntil(ISwarmGrain swarm, string taskId, Func<TaskInfo, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var task = await swarm.GetTask(taskId, false);
            if (condition(task))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"task {taskId} stayed {task.Status} ({task.StatusReason})");
            await Task.Delay(100);
        }
    }
}
