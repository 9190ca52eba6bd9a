namespace SwarmCluster.Contracts.Agents;

public enum AgentType { Researcher, Coder, Analyst, Optimizer, Coordinator, Tester, Reviewer, Documenter }

public enum CognitivePattern { Convergent, Divergent, Lateral, Systems, Critical, Adaptive }

public enum AgentStatus { Idle, Busy }

[GenerateSerializer, Immutable, Alias("agent.spec")]
public sealed record AgentSpec(
    [property: Id(0)] AgentType Type,
    [property: Id(1)] string? Name = null,
    [property: Id(2)] IReadOnlyList<string>? Capabilities = null,
    [property: Id(3)] CognitivePattern? Pattern = null)
{
    /// <summary>The client's idempotency key: a repeat returns the agent the first call spawned.</summary>
    [Id(4)] public string? RequestId { get; init; }
}

/// <summary>Computed from the swarm's task records; nothing here is estimated.</summary>
[GenerateSerializer, Immutable, Alias("agent.metrics")]
public sealed record AgentMetrics(
    [property: Id(0)] int TasksAssigned,
    [property: Id(1)] int TasksCompleted,
    [property: Id(2)] int TasksFailed,
    [property: Id(3)] double? SuccessRate,
    [property: Id(4)] double? AverageDurationMs,
    [property: Id(5)] double? MedianDurationMs,
    [property: Id(6)] double? AverageQuality,
    [property: Id(7)] double TotalBusyMs,
    [property: Id(8)] DateTimeOffset? LastActivity)
{
    /// <summary>Claims of this agent whose lease ran out before it reported.</summary>
    [Id(9)] public int LeasesExpired { get; init; }
}

[GenerateSerializer, Immutable, Alias("agent.info")]
public sealed record AgentInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string SwarmId,
    [property: Id(2)] string Name,
    [property: Id(3)] AgentType Type,
    [property: Id(4)] IReadOnlyList<string> Capabilities,
    [property: Id(5)] CognitivePattern Pattern,
    [property: Id(6)] AgentStatus Status,
    [property: Id(7)] string? CurrentTaskId,
    /// <summary>Which output of the swarm network scores this agent.</summary>
    [property: Id(8)] int Slot,
    [property: Id(9)] DateTimeOffset CreatedAt,
    [property: Id(10)] AgentMetrics Metrics)
{
    /// <summary>Every open task the agent holds (CurrentTaskId is the oldest of them).</summary>
    [Id(11)] public IReadOnlyList<string> OpenTaskIds { get; init; } = [];
    [Id(12)] public string? RequestId { get; init; }
}

/// <summary>One finished piece of work in an agent's history.</summary>
[GenerateSerializer, Alias("agent.history-entry")]
public sealed record AgentHistoryEntry(
    [property: Id(0)] string TaskId,
    [property: Id(1)] bool Success,
    [property: Id(2)] double DurationMs,
    [property: Id(3)] double? Quality,
    [property: Id(4)] DateTimeOffset FinishedAt);
