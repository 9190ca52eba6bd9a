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
        Assert.Null(created.StartedAt);
        var agentGrain = _client.GetGrain<IAgentGrain>(agent.Id);
        var busy = await agentGrain.GetInfo();
        Assert.Equal(AgentStatus.Busy, busy.Status);
        Assert.Equal(created.Id, busy.CurrentTaskId);

        var task = _client.GetGrain<ITaskGrain>(created.Id);
        var p1 = await task.ReportProgress(agent.Id, 0.3, "lexer done");
        Assert.Equal(TaskState.InProgress, p1.Status);
        Assert.NotNull(p1.StartedAt);
        Assert.Equal(1, (await swarm.GetStatus(false)).Tasks.InProgress);

        await Expect.Invalid("progress", () => task.ReportProgress(agent.Id, 0.2, "backwards"));
        await Expect.Invalid("progress", () => task.ReportProgress(agent.Id, 1.5, null));
        await Expect.Invalid("progress", () => task.ReportProgress(agent.Id, double.NaN, null));
        await Expect.Invalid("agentId", () => task.ReportProgress(GrainKeys.NewAgentId(), 0.5, null));
        await task.ReportProgress(null, 0.6, "parser done");

        await Expect.Invalid("quality", () => task.Complete(new TaskCompletion(agent.Id, true, "out", 1.2)));
        var done = await task.Complete(new TaskCompletion(agent.Id, true, "parser merged", 0.9));
        Assert.Equal(TaskState.Completed, done.Status);
        Assert.Equal(1.0, done.Progress);
        Assert.NotNull(done.FinishedAt);
        Assert.True(done.DurationMs >= 0);
        var result = Assert.Single(done.Results);
        Assert.Equal((agent.Id, true, "parser merged", (double?)0.9), (result.AgentId, result.Success, result.Output, result.Quality));

        var detailed = await task.GetInfo(detailed: true);
        Assert.Equal([0.3, 0.6], detailed.ProgressHistory.Select(p => p.Progress));
        Assert.Equal("lexer done", detailed.ProgressHistory[0].Message);
        Assert.Empty((await task.GetInfo(detailed: false)).ProgressHistory);
        Assert.Single(await task.GetResults());

        await Expect.Domain(ErrorKind.Conflict, "taskId", () => task.Complete(new TaskCompletion(agent.Id, false, null)));
        await Expect.Domain(ErrorKind.Conflict, "taskId", () => task.Cancel("too late"));
        await Expect.Domain(ErrorKind.Conflict, "taskId", () => task.ReportProgress(null, 1, null));

        // The agent is free again and its metrics come from what was recorded.
        var after = await agentGrain.GetInfo();
        Assert.Equal(AgentStatus.Idle, after.Status);
        Assert.Null(after.CurrentTaskId);
        Assert.Equal(1, after.Metrics.TasksAssigned);
        Assert.Equal(1, after.Metrics.TasksCompleted);
        Assert.Equal(1.0, after.Metrics.SuccessRate);
        Assert.Equal(0.9, after.Metrics.AverageQuality);
        Assert.Equal(done.DurationMs!.Value, after.Metrics.MedianDurationMs!.Value, 3);
        Assert.Equal(done.DurationMs!.Value, after.Metrics.TotalBusyMs, 3);
        Assert.NotNull(after.Metrics.LastActivity);
        Assert.Equal(created.Id, Assert.Single(await agentGrain.GetHistory()).TaskId);

        var status = await swarm.GetStatus(false);
        Assert.Equal((1, 0, 1), (status.Tasks.Completed, status.Tasks.InProgress, status.Counters.TasksCompleted));
        Assert.Equal(1, (await swarm.GetNeuralStatus()).RecordedSamples);
    }

    [Fact]
    public async Task Failure_and_cancellation_free_the_agent()
    {
        var (swarm, agent) = await SwarmWithAgentAsync();
        var agentGrain = _client.GetGrain<IAgentGrain>(agent.Id);
        var first = await swarm.Orchestrate(new TaskSpec("migrate the schema"));
        var failed = await _client.GetGrain<ITaskGrain>(first.Id).Complete(new TaskCompletion(agent.Id, false, null, Error: "constraint violation"));
        Assert.Equal(TaskState.Failed, failed.Status);
        Assert.Equal("constraint violation", failed.Results[0].Error);
        Assert.Null(failed.Results[0].Quality);

        var second = await swarm.Orchestrate(new TaskSpec("migrate again"));
        var cancelled = await _client.GetGrain<ITaskGrain>(second.Id).Cancel("not needed");
        Assert.Equal(TaskState.Cancelled, cancelled.Status);
        Assert.Contains("not needed", cancelled.ProgressHistory[^1].Message);

        var info = await agentGrain.GetInfo();
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
        var (_, agent) = await SwarmWithAgentAsync();
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

        var grain = _client.GetGrain<IAgentGrain>(agent.Id);
        Assert.Equal(CognitivePattern.Lateral, (await grain.SetCognitivePattern(CognitivePattern.Lateral)).Pattern);
        await Expect.Invalid("pattern", () => grain.SetCognitivePattern((CognitivePattern)77));
    }

    [Fact]
    public async Task Unknown_task_and_agent_are_not_found()
    {
        var task = _client.GetGrain<ITaskGrain>(GrainKeys.NewTaskId());
        await Expect.Domain(ErrorKind.NotFound, "taskId", () => task.GetInfo(false));
        await Expect.Domain(ErrorKind.NotFound, "taskId", () => task.Complete(new TaskCompletion(null, true, null)));
        await Expect.Domain(ErrorKind.NotFound, "taskId", () => task.Cancel(null));
        await Expect.Domain(ErrorKind.NotFound, "agentId", () => _client.GetGrain<IAgentGrain>(GrainKeys.NewAgentId()).GetInfo());
    }
}
