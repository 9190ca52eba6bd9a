using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Contracts.Swarms;

public enum SupervisionActionKind
{
    LeaseExpired,
    TaskRequeued,
    TaskFailedAfterAttempts,
    RetriedOnAnotherAgent,
    DependentsCancelled,
    AgentSpawned,
    CannotSpawn,
}

/// <summary>Something the swarm's supervision did on its own, with the reason.</summary>
[GenerateSerializer, Immutable, Alias("swarm.action")]
public sealed record SupervisionAction(
    [property: Id(0)] DateTimeOffset At,
    /// <summary>"queen" (a hive's policy), "lease-timer" or "swarm".</summary>
    [property: Id(1)] string Actor,
    [property: Id(2)] SupervisionActionKind Kind,
    [property: Id(3)] string? TaskId,
    [property: Id(4)] string? AgentId,
    [property: Id(5)] string Reason);

public enum StallKind
{
    /// <summary>Ready, but no agent of the swarm may take it.</summary>
    NoEligibleAgent,
    /// <summary>Ready and waiting longer than the stall threshold.</summary>
    WaitingLong,
    /// <summary>Claimed, but no heartbeat for more than half its lease.</summary>
    NoHeartbeat,
    /// <summary>Its leases expired more than once.</summary>
    RepeatedlyExpired,
}

[GenerateSerializer, Immutable, Alias("swarm.stalled")]
public sealed record StalledTask(
    [property: Id(0)] string TaskId,
    [property: Id(1)] StallKind Kind,
    [property: Id(2)] string Reason);

/// <summary>One node of the task graph as the swarm sees it.</summary>
[GenerateSerializer, Immutable, Alias("swarm.graph-task")]
public sealed record GraphTask(
    [property: Id(0)] string Id,
    [property: Id(1)] string? Key,
    [property: Id(2)] string Summary,
    [property: Id(3)] TaskState Status,
    [property: Id(4)] TaskPriority Priority,
    [property: Id(5)] IReadOnlyList<string> DependsOn,
    [property: Id(6)] IReadOnlyList<string> AssignedAgents,
    [property: Id(7)] int Attempt,
    [property: Id(8)] DateTimeOffset? LeaseExpiresAt,
    [property: Id(9)] DateTimeOffset CreatedAt,
    [property: Id(10)] DateTimeOffset? FinishedAt,
    [property: Id(11)] string? StatusReason);

/// <summary>The swarm's task graph with what supervision sees in it.</summary>
[GenerateSerializer, Immutable, Alias("swarm.graph")]
public sealed record SwarmGraph(
    [property: Id(0)] string SwarmId,
    [property: Id(1)] TaskCounts Counts,
    /// <summary>Open tasks and the most recently finished ones (bounded), in creation order.</summary>
    [property: Id(2)] IReadOnlyList<GraphTask> Tasks,
    /// <summary>The longest chain of unfinished tasks by dependency, first to last.</summary>
    [property: Id(3)] IReadOnlyList<string> CriticalPath,
    [property: Id(4)] IReadOnlyList<StalledTask> Stalled,
    /// <summary>The most recent supervision actions, oldest first.</summary>
    [property: Id(5)] IReadOnlyList<SupervisionAction> Actions,
    [property: Id(6)] long TotalActions,
    [property: Id(7)] SupervisionPolicy Supervision);

[GenerateSerializer, Immutable, Alias("swarm.supervision-report")]
public sealed record SupervisionReport(
    [property: Id(0)] string SwarmId,
    [property: Id(1)] IReadOnlyList<SupervisionAction> Actions,
    [property: Id(2)] IReadOnlyList<StalledTask> Stalled);
