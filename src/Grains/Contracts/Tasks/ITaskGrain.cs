using Orleans.Concurrency;

namespace SwarmCluster.Contracts.Tasks;

/// <summary>
/// One task ("task-…"): what was asked, who holds it, progress and the results its workers recorded. Changes come
/// only from its swarm, which schedules it; the task checks every change against its own state (it is the source
/// of truth for its facts) and never calls another grain.
/// </summary>
[Alias("swarm.ITaskGrain")]
public interface ITaskGrain : IGrainWithStringKey
{
    /// <summary>Creates the task; repeating the same creation (same swarm and sequence) returns it unchanged.</summary>
    [Alias("Create")] Task<TaskSnapshot> Create(TaskCreation creation);

    /// <summary>Stored facts; Exists is false for a task that was never created.</summary>
    [Alias("GetSnapshot"), ReadOnly] Task<TaskSnapshot> GetSnapshot();

    /// <summary>Progress history, results and events are included only when detailed. Status is as stored (never Blocked).</summary>
    [Alias("GetInfo"), ReadOnly] Task<TaskInfo> GetInfo(bool detailed);

    [Alias("GetResults"), ReadOnly] Task<IReadOnlyList<TaskResultEntry>> GetResults();

    /// <summary>Pending → assigned to the agents with a lease. Conflict if the task moved on.</summary>
    [Alias("Assign")] Task<TaskSnapshot> Assign(TaskAssignment assignment);

    /// <summary>Progress from a holder; renews the lease to <paramref name="leaseExpiresAt"/>.</summary>
    [Alias("Heartbeat")] Task<TaskSnapshot> Heartbeat(string? agentId, double progress, string? message, DateTimeOffset leaseExpiresAt);

    /// <summary>Records a worker's result (exactly once; a repeated requestId is answered without change).</summary>
    [Alias("Report")] Task<TaskReported> Report(TaskReport report);

    /// <summary>Ends the lease if it is still the one the swarm saw and has run out: back to pending, or failed after maxAttempts.</summary>
    [Alias("ExpireLease")] Task<TaskSnapshot> ExpireLease(int expectedAttempt, DateTimeOffset now);

    [Alias("Cancel")] Task<TaskSnapshot> Cancel(string reason);

    /// <summary>Deletes the task's stored state (its swarm is being destroyed).</summary>
    [Alias("Retire")] Task Retire();
}
