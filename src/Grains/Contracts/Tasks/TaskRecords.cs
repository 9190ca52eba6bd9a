namespace SwarmCluster.Contracts.Tasks;

public enum HoldOutcome { Open, Completed, Failed, Expired, Released }

/// <summary>One agent's hold on a task (one claim or assignment) and how it ended.</summary>
[GenerateSerializer, Immutable, Alias("task.hold")]
public sealed record TaskHold(
    [property: Id(0)] string AgentId,
    [property: Id(1)] int Attempt,
    [property: Id(2)] HoldOutcome Outcome,
    [property: Id(3)] DateTimeOffset StartedAt,
    [property: Id(4)] DateTimeOffset? EndedAt,
    /// <summary>Quality the agent reported with its result (Completed/Failed only).</summary>
    [property: Id(5)] double? Quality);

/// <summary>What the swarm tells a new task grain (ids of dependencies already resolved and checked).</summary>
[GenerateSerializer, Immutable, Alias("task.creation")]
public sealed record TaskCreation(
    [property: Id(0)] string SwarmId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] string Description,
    [property: Id(3)] TaskPriority Priority,
    [property: Id(4)] ExecutionStrategy Strategy,
    [property: Id(5)] IReadOnlyList<string> RequiredCapabilities,
    [property: Id(6)] IReadOnlyList<string> DependsOn,
    [property: Id(7)] IReadOnlyList<string>? AllowedAgents,
    [property: Id(8)] int MaxAttempts,
    [property: Id(9)] string? Key,
    [property: Id(10)] string? RequestId,
    [property: Id(11)] DateTimeOffset CreatedAt,
    /// <summary>Set when task_orchestrate assigns it at once.</summary>
    [property: Id(12)] TaskAssignment? Assignment)
{
    /// <summary>How long a claim's lease lasts and each heartbeat renews it by.</summary>
    [Id(13)] public int LeaseSeconds { get; init; } = TaskLimits.DefaultLeaseSeconds;
}

public enum AssignmentKind { Assigned, Claimed }

/// <summary>The swarm hands the task to agents with a lease.</summary>
[GenerateSerializer, Immutable, Alias("task.assignment")]
public sealed record TaskAssignment(
    [property: Id(0)] IReadOnlyList<string> AgentIds,
    [property: Id(1)] DateTimeOffset LeaseExpiresAt,
    [property: Id(2)] RoutingDecision? Routing,
    [property: Id(3)] AssignmentKind Kind,
    [property: Id(4)] string? ClaimRequestId,
    /// <summary>The attempt the swarm saw: a task that moved on since refuses (Conflict).</summary>
    [property: Id(5)] int ExpectedAttempt)
{
    [Id(6)] public int LeaseSeconds { get; init; } = TaskLimits.DefaultLeaseSeconds;
}

/// <summary>
/// A task's coordination facts as its grain stores them (the source of truth for an open task). The swarm keeps
/// a copy to schedule; Blocked is never stored: it is derived from the dependencies.
/// </summary>
[GenerateSerializer, Immutable, Alias("task.snapshot")]
public sealed record TaskSnapshot
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public bool Exists { get; init; }
    [Id(2)] public string SwarmId { get; init; } = "";
    [Id(3)] public long Sequence { get; init; }
    [Id(4)] public TaskState Status { get; init; }
    [Id(5)] public TaskPriority Priority { get; init; }
    [Id(6)] public string Description { get; init; } = "";
    [Id(7)] public IReadOnlyList<string> RequiredCapabilities { get; init; } = [];
    [Id(8)] public IReadOnlyList<string> DependsOn { get; init; } = [];
    [Id(9)] public IReadOnlyList<string>? AllowedAgents { get; init; }
    [Id(10)] public IReadOnlyList<string> ExcludedAgents { get; init; } = [];
    [Id(11)] public IReadOnlyList<string> Holders { get; init; } = [];
    [Id(12)] public DateTimeOffset? LeaseExpiresAt { get; init; }
    [Id(13)] public DateTimeOffset? LastHeartbeat { get; init; }
    [Id(14)] public int Attempt { get; init; }
    [Id(15)] public int MaxAttempts { get; init; }
    [Id(16)] public DateTimeOffset CreatedAt { get; init; }
    [Id(17)] public DateTimeOffset? FinishedAt { get; init; }
    [Id(18)] public string? StatusReason { get; init; }
    [Id(19)] public IReadOnlyList<TaskHold> Holds { get; init; } = [];
    [Id(20)] public string? Key { get; init; }
    [Id(21)] public string? RequestId { get; init; }
    [Id(22)] public IReadOnlyList<string> ClaimRequestIds { get; init; } = [];
    /// <summary>The agent credited with the final result (training and metrics), if any.</summary>
    [Id(23)] public string? CreditedAgent { get; init; }
    [Id(24)] public double? Quality { get; init; }
    /// <summary>Length of the current lease; each heartbeat renews it by this much.</summary>
    [Id(25)] public int LeaseSeconds { get; init; }

    public bool IsFinished => Status is TaskState.Completed or TaskState.Failed or TaskState.Cancelled;
}

/// <summary>A worker's result, with what the swarm decided to do if it is a failure.</summary>
[GenerateSerializer, Immutable, Alias("task.report")]
public sealed record TaskReport(
    [property: Id(0)] TaskCompletion Completion,
    /// <summary>Requeue a failure for a different agent instead of failing the task (the Queen's policy).</summary>
    [property: Id(1)] bool RetryFailureElsewhere);

/// <summary>The task after a report; Replayed when the report repeats an earlier requestId.</summary>
[GenerateSerializer, Immutable, Alias("task.reported")]
public sealed record TaskReported(
    [property: Id(0)] TaskSnapshot Snapshot,
    [property: Id(1)] bool Replayed);
