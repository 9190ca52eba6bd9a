using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public class TaskAndAgentTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private async Task<(ISwarmGrain Swarm, AgentInfo Agent)> SwarmWithAgentAsync()
    {
        var swarm = _client.GetGrain<ISwarmGrain>(GrainKeys.NewSwarmId());
        await swarm.Initialize(new SwarmConfig(SwarmTopology.Star, DistributionStrategy.Balanced, 3));
        var agent = await swarm.SpawnAgent(new AgentSpec(AgentType.Coder, "worker"));
        return (swarm, agent);
    }

    [Fact]
    public async Task Task_lifecycle_progress_results_and_timings()
    {
        var (swarm, agent) = await SwarmWithAgentAsync();
        var created = await swarm.Orchestrate(new TaskSpec("implement the parser", TaskPriority.High));
        Assert.Equal(TaskState.Assigned, created.Status);
        Assert.Equal([agent.Id], created.AssignedAgents);
        Assert.Equal(1, created.Attempt);
        Assert.NotNull(created.LeaseExpiresAt);
        Assert.Null(created.StartedAt);
        var busy = await swarm.GetAgent(agent.Id);
        Assert.Equal(AgentStatus.Busy, busy.Status);
        Assert.Equal(created.Id, busy.CurrentTaskId);
        Assert.Equal(swarm.GetPrimaryKeyString(), GrainKeys.SwarmOf(created.Id));

        var p1 = await swarm.ReportProgress(created.Id, agent.Id, 0.3, "lexer done");
        Assert.Equal(TaskState.InProgress, p1.Status);
        Assert.Equal(1, (await swarm.GetStatus(false)).Tasks.InProgress);

        await Expect.Invalid("progress", () => swarm.ReportProgress(created.Id, agent.Id, 0.2, "backwards"));
        await Expect.Invalid("progress", () => swarm.ReportProgress(created.Id, agent.Id, 1.5, null));
        await Expect.Invalid("progress", () => swarm.ReportProgress(created.Id, agent.Id, double.NaN, null));
        await Expect.Domain(ErrorKind.NotFound, "agentId", () => swarm.ReportProgress(created.Id, GrainKeys.NewAgentId(swarm.GetPrimaryKeyString()), 0.5, null));
        await swarm.ReportProgress(created.Id, null, 0.6, "parser done");

        await Expect.Invalid("quality", () => swarm.CompleteTask(created.Id, new TaskCompletion(agent.Id, true, "out", 1.2)));
        var done = await swarm.CompleteTask(created.Id, new TaskCompletion(agent.Id, true, "parser merged", 0.9));
        Assert.Equal(TaskState.Completed, done.Status);
        Assert.Empty(done.AssignedAgents);
        Assert.NotNull(done.FinishedAt);

        var detailed = await swarm.GetTask(created.Id, detailed: true);
        Assert.Equal(1.0, detailed.Progress);
        Assert.True(detailed.DurationMs >= 0);
        var result = Assert.Single(detailed.Results);
        Assert.Equal((agent.Id, true, "parser merged", (double?)0.9), (result.AgentId, result.Success, result.Output, result.Quality));
        Assert.Equal([0.3, 0.6], detailed.ProgressHistory.Select(p => p.Progress));
        Assert.Equal("lexer done", detailed.ProgressHistory[0].Message);
        Assert.Equal([TaskEventKind.Created, TaskEventKind.Assigned, TaskEventKind.Started, TaskEventKind.Completed], detailed.Events.Select(e => e.Kind));
        Assert.Empty((await swarm.GetTask(created.Id, detailed: false)).ProgressHistory);

        await Expect.Domain(ErrorKind.Conflict, "taskId", () => swarm.CompleteTask(created.Id, new TaskCompletion(agent.Id, false, null)));
        await Expect.Domain(ErrorKind.Conflict, "taskId", () => swarm.CancelTask(created.Id, "too late"));
        await Expect.Domain(ErrorKind.Conflict, "taskId", () => swarm.ReportProgress(created.Id, null, 1, null));

        // The agent is free again and its metrics come from what was recorded.
        var after = await swarm.GetAgent(agent.Id);
        Assert.Equal(AgentStatus.Idle, after.Status);
        Assert.Null(after.CurrentTaskId);
        Assert.Equal(1, after.Metrics.TasksAssigned);
        Assert.Equal(1, after.Metrics.TasksCompleted);
        Assert.Equal(1.0, after.Metrics.SuccessRate);
        Assert.Equal(0.9, after.Metrics.AverageQuality);
        Assert.NotNull(after.Metrics.MedianDurationMs);
        Assert.Equal(after.Metrics.MedianDurationMs!.Value, after.Metrics.TotalBusyMs, 3);
        Assert.NotNull(after.Metrics.LastActivity);
        Assert.Equal(created.Id, Assert.Single(await swarm.GetAgentHistory(agent.Id, 10)).TaskId);

        var status = await swarm.GetStatus(false);
        Assert.Equal((1, 0, 1), (status.Tasks.Completed, status.Tasks.InProgress, status.Counters.TasksCompleted));
        Assert.Equal(1, (await swarm.GetNeuralStatus()).RecordedSamples);
    }

    [Fact]
    public async Task Failure_and_cancellation_free_the_agent()
    {
        var (swarm, agent) = await SwarmWithAgentAsync();
        var first = await swarm.Orchestrate(new TaskSpec("migrate the schema"));
        var failed = await swarm.CompleteTask(first.Id, new TaskCompletion(agent.Id, false, null, Error: "constraint violation"));
        Assert.Equal(TaskState.Failed, failed.Status);
        Assert.Equal("constraint violation", failed.StatusReason);
        var recorded = (await swarm.GetTask(first.Id, true)).Results[0];
        Assert.Equal("constraint violation", recorded.Error);
        Assert.Null(recorded.Quality);

        var second = await swarm.Orchestrate(new TaskSpec("migrate again"));
        var cancelled = await swarm.CancelTask(second.Id, "not needed");
        Assert.Equal(TaskState.Cancelled, cancelled.Task.Status);
        Assert.Empty(cancelled.AlsoCancelled);
        Assert.Contains("not needed", (await swarm.GetTask(second.Id, true)).ProgressHistory[^1].Message);

        var info = await swarm.GetAgent(agent.Id);
        Assert.Equal(AgentStatus.Idle, info.Status);
        Assert.Equal((2, 0, 1, 0.0), (info.Metrics.TasksAssigned, info.Metrics.TasksCompleted, info.Metrics.TasksFailed, info.Metrics.SuccessRate));
        Assert.Null(info.Metrics.AverageQuality); // no quality was reported: none is invented

        var status = await swarm.GetStatus(false);
        Assert.Equal((1, 1, 1), (status.Tasks.Failed, status.Tasks.Cancelled, status.IdleAgents));
        Assert.Equal(1, (await swarm.GetNeuralStatus()).RecordedSamples); // cancellations teach nothing
    }

    [Fact]
    public async Task New_agent_has_no_invented_metrics_and_a_default_pattern()
    {
        var (swarm, agent) = await SwarmWithAgentAsync();
        Assert.Equal(CognitivePattern.Convergent, agent.Pattern);
        Assert.Equal(["coding", "implementation"], agent.Capabilities);
        Assert.Equal("worker", agent.Name);
        var m = agent.Metrics;
        Assert.Equal((0, 0, 0), (m.TasksAssigned, m.TasksCompleted, m.TasksFailed));
        Assert.Null(m.SuccessRate);
        Assert.Null(m.AverageDurationMs);
        Assert.Null(m.MedianDurationMs);
        Assert.Null(m.AverageQuality);
        Assert.Null(m.LastActivity);
        Assert.Equal(0, m.TotalBusyMs);

        Assert.Equal(CognitivePattern.Lateral, (await swarm.SetAgentPattern(agent.Id, CognitivePattern.Lateral)).Pattern);
        Assert.Equal(CognitivePattern.Lateral, (await _client.GetGrain<IAgentGrain>(agent.Id).GetProfile()).Pattern);
        await Expect.Invalid("pattern", () => swarm.SetAgentPattern(agent.Id, (CognitivePattern)77));
    }

    [Fact]
    public async Task An_agent_grain_answers_from_its_swarms_roster_and_keeps_no_copy()
    {
        var swarm = _client.GetGrain<ISwarmGrain>(GrainKeys.NewSwarmId());
        await swarm.Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, 20));
        var kept = await swarm.SpawnAgent(new AgentSpec(AgentType.Analyst, "kept"));
        var agent = _client.GetGrain<IAgentGrain>(kept.Id);
        Assert.Null(await agent.GetStoredProfile()); // a spawn writes the roster only

        // A change to the roster shows at once: there is no copy to bring up to date.
        await swarm.SetAgentPattern(kept.Id, CognitivePattern.Systems);
        var profile = await agent.GetProfile();
        Assert.Equal((swarm.GetPrimaryKeyString(), "kept", AgentType.Analyst, CognitivePattern.Systems, kept.Slot, kept.CreatedAt),
            (profile.SwarmId, profile.Name, profile.Type, profile.Pattern, profile.Slot, profile.CreatedAt));

        var spawned = new List<string> { kept.Id };
        for (var i = 0; i < 5; i++)
        {
            spawned.Add((await swarm.SpawnAgent(new AgentSpec(AgentType.Coder, $"w{i}"))).Id);
        }

        await swarm.Destroy();
        foreach (var id in spawned)
        {
            await Expect.Domain(ErrorKind.NotFound, "agentId", () => _client.GetGrain<IAgentGrain>(id).GetProfile());
        }
    }

    [Fact]
    public async Task Unknown_task_and_agent_are_not_found()
    {
        var (swarm, _) = await SwarmWithAgentAsync();
        var id = swarm.GetPrimaryKeyString();
        var taskId = GrainKeys.TaskId(id, 999);
        await Expect.Domain(ErrorKind.NotFound, "taskId", () => swarm.GetTask(taskId, false));
        await Expect.Domain(ErrorKind.NotFound, "taskId", () => swarm.CompleteTask(taskId, new TaskCompletion(null, true, null)));
        await Expect.Domain(ErrorKind.NotFound, "taskId", () => swarm.CancelTask(taskId, null));
        await Expect.Domain(ErrorKind.NotFound, "taskId", () => _client.GetGrain<ITaskGrain>(taskId).GetInfo(false));
        await Expect.Domain(ErrorKind.NotFound, "agentId", () => swarm.GetAgent(GrainKeys.NewAgentId(id)));
        await Expect.Domain(ErrorKind.NotFound, "agentId", () => _client.GetGrain<IAgentGrain>(GrainKeys.NewAgentId(id)).GetProfile());
    }
}
