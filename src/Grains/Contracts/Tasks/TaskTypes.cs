namespace SwarmCluster.Contracts.Tasks;

public enum TaskPriority { Low, Medium, High, Critical }

public enum ExecutionStrategy { Parallel, Sequential, Adaptive }

public enum TaskState { Pending, Assigned, InProgress, Completed, Failed, Cancelled }

[GenerateSerializer, Alias("task.spec")]
public sealed record TaskSpec(
    [property: Id(0)] string Description,
    [property: Id(1)] TaskPriority Priority = TaskPriority.Medium,
    [property: Id(2)] ExecutionStrategy Strategy = ExecutionStrategy.Adaptive,
    [property: Id(3)] int? MaxAgents = null,
    [property: Id(4)] IReadOnlyList<string>? RequiredCapabilities = null);

/// <summary>How one candidate agent was scored for a task.</summary>
[GenerateSerializer, Alias("task.agent-score")]
public sealed record AgentScore(
    [property: Id(0)] string AgentId,
    [property: Id(1)] double Score,
    [property: Id(2)] double CapabilityMatch,
    [property: Id(3)] double? NetworkScore,
    [property: Id(4)] bool Available);

public enum RoutingMethod { CapabilityMatch, Network }

[GenerateSerializer, Alias("task.routing")]
public sealed record RoutingDecision(
    [property: Id(0)] RoutingMethod Method,
    [property: Id(1)] string Reason,
    [property: Id(2)] IReadOnlyList<AgentScore> Ranking);

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
    [property: Id(5)] DateTimeOffset RecordedAt);

[GenerateSerializer, Alias("task.completion")]
public sealed record TaskCompletion(
    [property: Id(0)] string? AgentId,
    [property: Id(1)] bool Success,
    [property: Id(2)] string? Output,
    [property: Id(3)] double? Quality = null,
    [property: Id(4)] string? Error = null);

[GenerateSerializer, Alias("task.info")]
public sealed record TaskInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string SwarmId,
    [property: Id(2)] string Description,
    [property: Id(3)] TaskPriority Priority,
    [property: Id(4)] ExecutionStrategy Strategy,
    [property: Id(5)] TaskState Status,
    [property: Id(6)] double Progress,
    [property: Id(7)] IReadOnlyList<string> AssignedAgents,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset? StartedAt,
    [property: Id(10)] DateTimeOffset? FinishedAt,
    [property: Id(11)] RoutingDecision? Routing,
    [property: Id(12)] IReadOnlyList<TaskProgressEntry> ProgressHistory,
    [property: Id(13)] IReadOnlyList<TaskResultEntry> Results)
{
    public double? DurationMs => StartedAt is { } s && FinishedAt is { } f ? (f - s).TotalMilliseconds : null;
}

/// <summary>A finished task as the swarm learns from it: what it was, who did it, how it went.</summary>
[GenerateSerializer, Alias("task.outcome")]
public sealed record TaskOutcome(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string Description,
    [property: Id(2)] IReadOnlyList<string> AgentIds,
    [property: Id(3)] bool Success,
    [property: Id(4)] double? Quality,
    [property: Id(5)] double DurationMs,
    [property: Id(6)] DateTimeOffset FinishedAt);
