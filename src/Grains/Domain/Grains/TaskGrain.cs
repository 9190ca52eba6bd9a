using Orleans.Placement;
using Microsoft.Extensions.Logging;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains;

/// <summary>
/// One task. Lifecycle: assigned (pending if it has no agents) → in_progress on the first progress report →
/// completed / failed (Complete) or cancelled (Cancel); finished tasks refuse further changes (Conflict).
/// <para>
/// Timings: started = first progress report, else the assignment (creation) time when the task finishes
/// without reports; finished = Complete/Cancel time. The first Complete finishes the task, whoever reports it;
/// its result is recorded exactly as reported (never produced here).
/// </para>
/// <para>
/// Notifications (agents' RecordOutcome/Release, the swarm's RecordOutcome/TaskStateChanged) are sent after
/// this task's state is written and awaited, so when Complete returns the swarm has its training sample.
/// The swarm never calls a task inside those requests (only Create, and Cancel from Destroy, which allows the
/// re-entry), so no call cycle can form. A failed notification is logged, not thrown: the task's own outcome
/// is already durable.
/// </para>
/// </summary>
// Activation-count placement: the least-loaded worker gets new activations (the default piles them on one silo).
[GrainType("task"), WorkerPlacement, ActivationCountBasedPlacement]
public sealed class TaskGrain(
    [PersistentState(StorageNames.Task, StorageNames.Provider)] IPersistentState<TaskGrainState> state,
    ILogger<TaskGrain> logger) : Grain, ITaskGrain
{
    public const int MaxMessageLength = 1000;
    public const int MaxOutputLength = 64 * 1024;
    public const int MaxProgressHistory = 500;

    private string Id => this.GetPrimaryKeyString();

    public async Task<TaskInfo> Create(string swarmId, TaskSpec spec, RoutingDecision routing, IReadOnlyList<string> assignedAgents)
    {
        if (state.State.Exists)
        {
            throw new DomainException(ErrorKind.Conflict, $"task '{Id}' already exists", "taskId");
        }

        if (!GrainKeys.IsTaskId(Id))
        {
            throw DomainException.Invalid("taskId", $"'{Id}' is not a task id");
        }

        if (!GrainKeys.IsSwarmId(swarmId))
        {
            throw DomainException.Invalid("swarmId", $"'{swarmId}' is not a swarm id");
        }

        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(assignedAgents);
        if (assignedAgents.Any(a => !GrainKeys.IsAgentId(a)))
        {
            throw DomainException.Invalid("assignedAgents", "every entry must be an agent id");
        }

        state.State = new TaskGrainState
        {
            Exists = true,
            SwarmId = swarmId,
            Description = Checks.Text(spec.Description, "description", SwarmGrain.MaxDescriptionLength),
            Priority = Checks.Defined(spec.Priority, "priority"),
            Strategy = Checks.Defined(spec.Strategy, "strategy"),
            Status = assignedAgents.Count > 0 ? TaskState.Assigned : TaskState.Pending,
            AssignedAgents = assignedAgents.Distinct().ToList(),
            CreatedAt = DateTimeOffset.UtcNow,
            // Concrete list: state JSON stores runtime types and reads back only allowed ones.
            Routing = routing is null ? null : routing with { Ranking = routing.Ranking.ToList() },
        };
        await WriteAsync();
        return Info(detailed: true);
    }

    public Task<TaskInfo> GetInfo(bool detailed)
    {
        EnsureExists();
        return Task.FromResult(Info(detailed));
    }

    public async Task<TaskInfo> ReportProgress(string? agentId, double progress, string? message)
    {
        EnsureExists();
        EnsureOpen();
        CheckReporter(agentId);
        Checks.Fraction(progress, "progress");
        var text = Checks.Text(message, "message", MaxMessageLength, required: false);
        var s = state.State;
        if (progress < s.Progress)
        {
            throw DomainException.Invalid("progress", $"must not go backwards (currently {s.Progress:0.###}, got {progress:0.###})");
        }

        var now = DateTimeOffset.UtcNow;
        var started = s.Status != TaskState.InProgress;
        s.Progress = progress;
        s.Status = TaskState.InProgress;
        s.StartedAt ??= now;
        AddProgress(new TaskProgressEntry(agentId, progress, text.Length > 0 ? text : null, now));
        await WriteAsync();

        if (started)
        {
            await NotifyAsync("swarm", () => Swarm.TaskStateChanged(Id, TaskState.InProgress));
        }

        return Info(detailed: true);
    }

    public async Task<TaskInfo> Complete(TaskCompletion completion)
    {
        EnsureExists();
        ArgumentNullException.ThrowIfNull(completion);
        EnsureOpen();
        CheckReporter(completion.AgentId);
        if (completion.Quality is { } q)
        {
            Checks.Fraction(q, "quality");
        }

        var output = Checks.Text(completion.Output, "output", MaxOutputLength, required: false);
        var error = Checks.Text(completion.Error, "error", MaxMessageLength, required: false);
        var s = state.State;
        var now = DateTimeOffset.UtcNow;
        s.StartedAt ??= s.CreatedAt;
        s.FinishedAt = now;
        s.Status = completion.Success ? TaskState.Completed : TaskState.Failed;
        if (completion.Success)
        {
            s.Progress = 1.0;
        }

        s.Results.Add(new TaskResultEntry(completion.AgentId, completion.Success, output.Length > 0 ? output : null, completion.Quality, error.Length > 0 ? error : null, now));
        await WriteAsync();

        var duration = (now - s.StartedAt.Value).TotalMilliseconds;
        var entry = new AgentHistoryEntry(Id, completion.Success, duration, completion.Quality, now);
        await Task.WhenAll(s.AssignedAgents.Select(a => NotifyAsync(a, () => GrainFactory.GetGrain<IAgentGrain>(a).RecordOutcome(entry))));
        await NotifyAsync("swarm", () => Swarm.RecordOutcome(new TaskOutcome(Id, s.Description, s.AssignedAgents.ToList(), completion.Success, completion.Quality, duration, now)));
        return Info(detailed: true);
    }

    public async Task<TaskInfo> Cancel(string? reason)
    {
        EnsureExists();
        EnsureOpen();
        var text = Checks.Text(reason, "reason", MaxMessageLength, required: false);
        var s = state.State;
        var now = DateTimeOffset.UtcNow;
        s.Status = TaskState.Cancelled;
        s.FinishedAt = now;
        AddProgress(new TaskProgressEntry(null, s.Progress, text.Length > 0 ? $"cancelled: {text}" : "cancelled", now));
        await WriteAsync();

        await Task.WhenAll(s.AssignedAgents.Select(a => NotifyAsync(a, () => GrainFactory.GetGrain<IAgentGrain>(a).Release(Id))));
        await NotifyAsync("swarm", () => Swarm.TaskStateChanged(Id, TaskState.Cancelled));
        return Info(detailed: true);
    }

    public Task<IReadOnlyList<TaskResultEntry>> GetResults()
    {
        EnsureExists();
        return Task.FromResult<IReadOnlyList<TaskResultEntry>>(state.State.Results.ToList());
    }

    private ISwarmGrain Swarm => GrainFactory.GetGrain<ISwarmGrain>(state.State.SwarmId);

    private void CheckReporter(string? agentId)
    {
        if (agentId is not null && !state.State.AssignedAgents.Contains(agentId))
        {
            throw DomainException.Invalid("agentId", $"agent '{agentId}' is not assigned to task '{Id}'");
        }
    }

    private void AddProgress(TaskProgressEntry entry)
    {
        var history = state.State.ProgressHistory;
        history.Add(entry);
        if (history.Count > MaxProgressHistory)
        {
            history.RemoveRange(0, history.Count - MaxProgressHistory);
        }
    }

    private async Task NotifyAsync(string target, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.NotFound)
        {
            // The swarm or agent is gone (destroyed): nothing left to tell.
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Task {TaskId}: notifying {Target} failed", Id, target);
        }
    }

    private TaskInfo Info(bool detailed)
    {
        var s = state.State;
        return new TaskInfo(Id, s.SwarmId, s.Description, s.Priority, s.Strategy, s.Status, s.Progress, s.AssignedAgents.ToList(),
            s.CreatedAt, s.StartedAt, s.FinishedAt, s.Routing,
            detailed ? s.ProgressHistory.ToList() : [],
            detailed ? s.Results.ToList() : []);
    }

    private Task WriteAsync() => state.WriteOrReloadAsync(DeactivateOnIdle);

    private void EnsureExists()
    {
        if (!state.State.Exists)
        {
            throw DomainException.NotFound("task", Id, "taskId");
        }
    }

    private void EnsureOpen()
    {
        if (state.State.Status is TaskState.Completed or TaskState.Failed or TaskState.Cancelled)
        {
            throw new DomainException(ErrorKind.Conflict, $"task '{Id}' already finished ({state.State.Status.ToString().ToLowerInvariant()})", "taskId");
        }
    }
}
