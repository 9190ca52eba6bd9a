using Orleans.Placement;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.State;
using SwarmCluster.Grains.Tasks;

namespace SwarmCluster.Grains;

/// <summary>
/// One task: the stored facts of its life. Its swarm decides what happens (who claims it, when a lease runs out);
/// the rules a single task obeys on its own live in <see cref="TaskLifecycle"/>. Every command is written before
/// it is answered, and the task calls no other grain, so it can never be part of a call cycle.
/// </summary>
// Activation-count placement: the least-loaded worker gets new activations (the default piles them on one silo).
[GrainType("task"), WorkerPlacement, ActivationCountBasedPlacement]
public sealed class TaskGrain(
    [PersistentState(StorageNames.Task, StorageNames.Provider)] IPersistentState<TaskGrainState> state) : Grain, ITaskGrain
{
    private string Id => this.GetPrimaryKeyString();

    private TaskLifecycle Lifecycle => new(Id, state.State);

    public async Task<TaskSnapshot> Create(TaskCreation creation)
    {
        ArgumentNullException.ThrowIfNull(creation);
        if (state.State.Exists)
        {
            // A swarm resending a creation whose answer it lost gets the task as it is.
            if (state.State.SwarmId == creation.SwarmId && state.State.Sequence == creation.Sequence)
            {
                return Lifecycle.Snapshot();
            }

            throw new DomainException(ErrorKind.Conflict, $"task '{Id}' already exists", "taskId");
        }

        if (!GrainKeys.IsTaskId(Id))
        {
            throw DomainException.Invalid("taskId", $"'{Id}' is not a task id");
        }

        state.State = TaskLifecycle.Create(creation);
        await WriteAsync();
        return Lifecycle.Snapshot();
    }

    public Task<TaskSnapshot> GetSnapshot() =>
        Task.FromResult(state.State.Exists ? Lifecycle.Snapshot() : new TaskSnapshot { Id = Id, Exists = false });

    public Task<TaskInfo> GetInfo(bool detailed)
    {
        EnsureExists();
        return Task.FromResult(Lifecycle.Info(detailed));
    }

    public Task<IReadOnlyList<TaskResultEntry>> GetResults()
    {
        EnsureExists();
        return Task.FromResult<IReadOnlyList<TaskResultEntry>>(state.State.Results.ToList());
    }

    public Task<TaskSnapshot> Assign(TaskAssignment assignment) => Change(l => l.Assign(assignment, DateTimeOffset.UtcNow));

    public Task<TaskSnapshot> Heartbeat(string? agentId, double progress, string? message, DateTimeOffset leaseExpiresAt) =>
        Change(l => l.Heartbeat(agentId, progress, message, leaseExpiresAt, DateTimeOffset.UtcNow));

    public async Task<TaskReported> Report(TaskReport report)
    {
        EnsureExists();
        ArgumentNullException.ThrowIfNull(report);
        if (Lifecycle.IsReplay(report.Completion.RequestId))
        {
            return new TaskReported(Lifecycle.Snapshot(), Replayed: true);
        }

        Lifecycle.Report(report, DateTimeOffset.UtcNow);
        await WriteAsync();
        return new TaskReported(Lifecycle.Snapshot(), Replayed: false);
    }

    public async Task<TaskSnapshot> ExpireLease(int expectedAttempt, DateTimeOffset now)
    {
        EnsureExists();
        if (Lifecycle.ExpireLease(expectedAttempt, now))
        {
            await WriteAsync();
        }

        return Lifecycle.Snapshot();
    }

    public Task<TaskSnapshot> Cancel(string reason) => Change(l => l.Cancel(reason, DateTimeOffset.UtcNow));

    public async Task Retire()
    {
        if (state.State.Exists || state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        state.State = new TaskGrainState();
        DeactivateOnIdle();
    }

    private async Task<TaskSnapshot> Change(Action<TaskLifecycle> change)
    {
        EnsureExists();
        change(Lifecycle);
        await WriteAsync();
        return Lifecycle.Snapshot();
    }

    private Task WriteAsync() => state.WriteOrReloadAsync(DeactivateOnIdle);

    private void EnsureExists()
    {
        if (!state.State.Exists)
        {
            throw DomainException.NotFound("task", Id, "taskId");
        }
    }
}
