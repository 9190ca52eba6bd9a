namespace SwarmCluster.Contracts.Tasks;

public enum TaskPriority { Low, Medium, High, Critical }

public enum ExecutionStrategy { Parallel, Sequential, Adaptive }

/// <summary>
/// Where a task is. Pending: ready to be claimed; Blocked: waiting for a dependency to complete; Assigned:
/// claimed, no progress yet; InProgress: claimed and reporting. The last three are final. (Values are stored
/// as numbers: append only.)
/// </summary>
public enum TaskState { Pending, Assigned, InProgress, Completed, Failed, Cancelled, Blocked }

[GenerateSerializer, Immutable, Alias("task.spec")]
public sealed record TaskSpec(
    [property: Id(0)] string Description,
    [property: Id(1)] TaskPriority Priority = TaskPriority.Medium,
    [property: Id(2)] ExecutionStrategy Strategy = ExecutionStrategy.Adaptive,
    [property: Id(3)] int? MaxAgents = null,
    [property: Id(4)] IReadOnlyList<string>? RequiredCapabilities = null)
{
    /// <summary>Tasks (ids in this swarm, or keys of tasks in the same batch) that must complete first.</summary>
    [Id(5)] public IReadOnlyList<string>? DependsOn { get; init; }

    /// <summary>The client's idempotency key: a repeat returns the task the first call created.</summary>
    [Id(6)] public string? RequestId { get; init; }

    /// <summary>Lease of the immediate assignment (task_orchestrate); default <see cref="TaskLimits.DefaultLeaseSeconds"/>.</summary>
    [Id(7)] public int? LeaseSeconds { get; init; }

    /// <summary>Claims before an expired lease fails the task; default <see cref="TaskLimits.DefaultMaxAttempts"/>.</summary>
    [Id(8)] public int? MaxAttempts { get; init; }

    /// <summary>Assign at once when ready (task_orchestrate); false: wait in the queue for task_claim.</summary>
    [Id(9)] public bool Assign { get; init; } = true;

    /// <summary>Name of the task inside a batch, so other tasks of the batch can depend on it.</summary>
    [Id(10)] public string? Key { get; init; }

    /// <summary>Only these agents may claim it (null: any eligible agent).</summary>
    [Id(11)] public IReadOnlyList<string>? AllowedAgents { get; init; }
}

/// <summary>
/// How one candidate agent was scored for a task: <see cref="Score"/> (the total) =
/// merit weight × (capability weight × <see cref="CapabilityMatch"/> + network weight × <see cref="NetworkScore"/>
/// + <see cref="Exploration"/>) + availability weight × <see cref="AvailabilityScore"/>, with the weights in
/// <see cref="RoutingDecision.Weights"/>. Members after Available were added later: decisions stored before read
/// them as 0.
/// </summary>
/// <param name="Exploration">Bonus for agents with few finished tasks: c / sqrt(1 + <paramref name="FinishedTasks"/>).</param>
/// <param name="AvailabilityScore">1 / (1 + open tasks).</param>
/// <param name="FinishedTasks">Tasks the agent finished (completed or failed), as the exploration bonus counted them.</param>
/// <param name="Merit">Capability and network blended with the decision's weights, before the exploration bonus.</param>
[GenerateSerializer, Alias("task.agent-score")]
public sealed record AgentScore(
    [property: Id(0)] string AgentId,
    [property: Id(1)] double Score,
    [property: Id(2)] double CapabilityMatch,
    [property: Id(3)] double? NetworkScore,
    [property: Id(4)] bool Available,
    [property: Id(5)] double Exploration = 0,
    [property: Id(6)] double AvailabilityScore = 0,
    [property: Id(7)] long FinishedTasks = 0,
    [property: Id(8)] double Merit = 0);

/// <summary>
/// CapabilityMatch: the network has never been trained on outcomes, agents are ranked by capability match.
/// Network: capability match and network score blended (see <see cref="RoutingDecision.Weights"/>).
/// </summary>
public enum RoutingMethod { CapabilityMatch, Network }

/// <summary>The weights a routing decision used (see <see cref="AgentScore"/> for the formula).</summary>
/// <param name="Capability">Share of the capability match in an agent's merit (1 until the network is trained).</param>
/// <param name="Network">Share of the network score in an agent's merit (0 until the network is trained).</param>
/// <param name="Exploration">c in the exploration bonus c / sqrt(1 + finished tasks).</param>
/// <param name="Merit">The distribution strategy's weight of merit + exploration.</param>
/// <param name="Availability">The distribution strategy's weight of availability.</param>
[GenerateSerializer, Alias("task.routing-weights")]
public sealed record RoutingWeights(
    [property: Id(0)] double Capability,
    [property: Id(1)] double Network,
    [property: Id(2)] double Exploration,
    [property: Id(3)] double Merit,
    [property: Id(4)] double Availability);

/// <param name="Weights">Null in decisions stored before weights were recorded.</param>
[GenerateSerializer, Alias("task.routing")]
public sealed record RoutingDecision(
    [property: Id(0)] RoutingMethod Method,
    [property: Id(1)] string Reason,
    [property: Id(2)] IReadOnlyList<AgentScore> Ranking,
    [property: Id(3)] RoutingWeights? Weights = null);

[GenerateSerializer, Alias("task.progress")]
public sealed record TaskProgressEntry(
    [property: Id(0)] string? AgentId,
    [property: Id(1)] double Progress,
    [property: Id(2)] string? Message,
    [property: Id(3)] DateTimeOffset At);

/// <summary>A result recorded by whoever did the work. Never produced by the server itself.</summary>
[GenerateSerializer, Alias("task.result")]
public sealed record TaskResultEntry(
    [property: Id(0)] string? AgentId,
    [property: Id(1)] bool Success,
    [property: Id(2)] string? Output,
    [property: Id(3)] double? Quality,
    [property: Id(4)] string? Error,
    [property: Id(5)] DateTimeOffset RecordedAt)
{
    /// <summary>The requestId of the task_complete call that recorded it (a repeat returns the task unchanged).</summary>
    [Id(6)] public string? RequestId { get; init; }
}

[GenerateSerializer, Immutable, Alias("task.completion")]
public sealed record TaskCompletion(
    [property: Id(0)] string? AgentId,
    [property: Id(1)] bool Success,
    [property: Id(2)] string? Output,
    [property: Id(3)] double? Quality = null,
    [property: Id(4)] string? Error = null)
{
    [Id(5)] public string? RequestId { get; init; }
}

public enum TaskEventKind
{
    Created,
    Assigned,
    Claimed,
    Started,
    LeaseExpired,
    Requeued,
    Completed,
    Failed,
    Cancelled,
    RetriedOnAnotherAgent,
    LateResultAccepted,
}

/// <summary>One step in a task's life (claims, expiries, retries …), kept with the task.</summary>
[GenerateSerializer, Immutable, Alias("task.event")]
public sealed record TaskEvent(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] TaskEventKind Kind,
    [property: Id(2)] string? AgentId,
    [property: Id(3)] int Attempt,
    [property: Id(4)] string? Detail);

[GenerateSerializer, Immutable, Alias("task.info")]
public sealed record TaskInfo
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string SwarmId { get; init; }
    [Id(2)] public required string Description { get; init; }
    [Id(3)] public TaskPriority Priority { get; init; }
    [Id(4)] public ExecutionStrategy Strategy { get; init; }
    [Id(5)] public TaskState Status { get; init; }

    /// <summary>Why the task is in its status (blocked by …, cancelled because …, failed after …), else null.</summary>
    [Id(6)] public string? StatusReason { get; init; }
    [Id(7)] public double Progress { get; init; }

    /// <summary>The agents holding the task now (empty unless assigned or in progress).</summary>
    [Id(8)] public IReadOnlyList<string> AssignedAgents { get; init; } = [];
    [Id(9)] public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>Dependencies not completed yet.</summary>
    [Id(10)] public IReadOnlyList<string> BlockedBy { get; init; } = [];
    [Id(11)] public IReadOnlyList<string> RequiredCapabilities { get; init; } = [];

    /// <summary>Claims so far (1 after the first claim).</summary>
    [Id(12)] public int Attempt { get; init; }
    [Id(13)] public int MaxAttempts { get; init; }
    [Id(14)] public DateTimeOffset? LeaseExpiresAt { get; init; }
    [Id(15)] public DateTimeOffset? LastHeartbeat { get; init; }
    [Id(16)] public DateTimeOffset CreatedAt { get; init; }
    [Id(17)] public DateTimeOffset? StartedAt { get; init; }
    [Id(18)] public DateTimeOffset? FinishedAt { get; init; }
    [Id(19)] public RoutingDecision? Routing { get; init; }

    /// <summary>Filled only when detailed.</summary>
    [Id(20)] public IReadOnlyList<TaskProgressEntry> ProgressHistory { get; init; } = [];

    /// <summary>Filled only when detailed.</summary>
    [Id(21)] public IReadOnlyList<TaskResultEntry> Results { get; init; } = [];

    /// <summary>Filled only when detailed.</summary>
    [Id(22)] public IReadOnlyList<TaskEvent> Events { get; init; } = [];
    [Id(23)] public string? RequestId { get; init; }

    /// <summary>The name the task has in its batch (the Queen's plan key, a workflow step).</summary>
    [Id(24)] public string? Key { get; init; }

    /// <summary>The agent credited with the final result (it reported it, or held the task alone); metrics and training count it.</summary>
    [Id(25)] public string? CreditedAgent { get; init; }

    public double? DurationMs => StartedAt is { } s && FinishedAt is { } f ? (f - s).TotalMilliseconds : null;
}

/// <summary>One task_status page: counts over the whole swarm and the newest tasks.</summary>
[GenerateSerializer, Immutable, Alias("task.listing")]
public sealed record TaskListing(
    [property: Id(0)] string SwarmId,
    [property: Id(1)] Swarms.TaskCounts Counts,
    [property: Id(2)] IReadOnlyList<TaskInfo> Tasks,
    [property: Id(3)] bool Truncated);

[GenerateSerializer, Immutable, Alias("task.cancelled")]
public sealed record TaskCancelResult(
    [property: Id(0)] TaskInfo Task,
    /// <summary>Dependents cancelled with it because they can never run now.</summary>
    [property: Id(1)] IReadOnlyList<string> AlsoCancelled);
