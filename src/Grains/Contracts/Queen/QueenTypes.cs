using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Contracts.Queen;

[GenerateSerializer, Alias("queen.planned-agent")]
public sealed record PlannedAgent(
    [property: Id(0)] AgentType Type,
    [property: Id(1)] string Name,
    [property: Id(2)] IReadOnlyList<string> Capabilities,
    [property: Id(3)] CognitivePattern Pattern);

[GenerateSerializer, Alias("queen.planned-task")]
public sealed record PlannedTask(
    [property: Id(0)] string Description,
    [property: Id(1)] TaskPriority Priority,
    [property: Id(2)] ExecutionStrategy Strategy,
    [property: Id(3)] AgentType PreferredAgentType,
    [property: Id(4)] string Key = "",
    [property: Id(5)] string Area = "",
    [property: Id(6)] IReadOnlyList<string>? DependsOn = null);

/// <summary>The Queen's deterministic reading of an objective, with the rules that fired.</summary>
[GenerateSerializer, Alias("queen.plan")]
public sealed record SwarmPlan(
    [property: Id(0)] string Objective,
    [property: Id(1)] SwarmTopology Topology,
    [property: Id(2)] DistributionStrategy Strategy,
    [property: Id(3)] int MaxAgents,
    [property: Id(4)] string Complexity,
    [property: Id(5)] IReadOnlyList<PlannedAgent> Agents,
    [property: Id(6)] IReadOnlyList<PlannedTask> Tasks,
    [property: Id(7)] IReadOnlyList<string> Rationale);

[GenerateSerializer, Alias("queen.hive")]
public sealed record HiveResult(
    [property: Id(0)] string SwarmId,
    [property: Id(1)] SwarmPlan Plan,
    [property: Id(2)] IReadOnlyList<AgentInfo> Agents,
    [property: Id(3)] IReadOnlyList<TaskInfo> Tasks,
    [property: Id(4)] DateTimeOffset CreatedAt);

/// <summary>What queen_status shows: her plan and how the hive is doing now.</summary>
[GenerateSerializer, Immutable, Alias("queen.status")]
public sealed record QueenStatus(
    [property: Id(0)] string SwarmId,
    /// <summary>Null for a swarm made by swarm_init (no Queen planned it; only lease expiry supervises it).</summary>
    [property: Id(1)] SwarmPlan? Plan,
    /// <summary>Plan task key → task id.</summary>
    [property: Id(2)] IReadOnlyDictionary<string, string> TaskIds,
    [property: Id(3)] SwarmGraph Graph,
    [property: Id(4)] DateTimeOffset? LastSupervisedAt);
