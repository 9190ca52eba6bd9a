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

/// <summary>
/// One task of a plan. <see cref="Key"/> ("t1", "t2" … in plan order) is unique within the plan; <see cref="Area"/>
/// is the work area it was typed as; <see cref="DependsOn"/> holds keys of earlier tasks only, so the plan's order
/// is a topological order. The three were added later: plans stored before them read as "", "" and no
/// dependencies (the stored JSON passes null for a missing constructor argument, hence the ?? below).
/// </summary>
[GenerateSerializer, Alias("queen.planned-task")]
public sealed record PlannedTask(
    [property: Id(0)] string Description,
    [property: Id(1)] TaskPriority Priority,
    [property: Id(2)] ExecutionStrategy Strategy,
    [property: Id(3)] AgentType PreferredAgentType,
    string? Key = null,
    string? Area = null,
    IReadOnlyList<string>? DependsOn = null)
{
    [Id(4)]
    public string Key { get; init; } = Key ?? "";

    [Id(5)]
    public string Area { get; init; } = Area ?? "";

    /// <summary>Keys of the tasks that must complete first (never null; a List so it can be stored as state).</summary>
    [Id(6)]
    public IReadOnlyList<string> DependsOn { get; init; } = DependsOn ?? new List<string>();
}

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
