namespace SwarmCluster.Contracts.Swarms;

public enum SwarmTopology { Mesh, Hierarchical, Ring, Star }

public enum DistributionStrategy { Balanced, Specialized, Adaptive }

/// <summary>
/// How a swarm looks after its work beyond lease expiry (which every swarm enforces). A Queen sets it for her
/// hive.
/// </summary>
[GenerateSerializer, Immutable, Alias("swarm.supervision")]
public sealed record SupervisionPolicy(
    /// <summary>A reported failure is retried once on a different suitable agent before the task fails.</summary>
    [property: Id(0)] bool RetryFailedOnce,
    /// <summary>A ready task no agent can take makes the swarm spawn one with the capabilities (within maxAgents).</summary>
    [property: Id(1)] bool AutoSpawn)
{
    public static SupervisionPolicy None { get; } = new(false, false);
    public static SupervisionPolicy Queen { get; } = new(true, true);
}

[GenerateSerializer, Immutable, Alias("swarm.config")]
public sealed record SwarmConfig(
    [property: Id(0)] SwarmTopology Topology,
    [property: Id(1)] DistributionStrategy Strategy,
    [property: Id(2)] int MaxAgents,
    [property: Id(3)] string? Name = null,
    [property: Id(4)] string? Objective = null)
{
    /// <summary>The request that creates the swarm: a repeat returns it instead of a conflict.</summary>
    [Id(5)] public string? RequestId { get; init; }
    [Id(6)] public SupervisionPolicy? Supervision { get; init; }
    /// <summary>Train the routing network by itself after this many new outcomes; 0: only on neural_train; null: the default.</summary>
    [Id(7)] public int? TrainEvery { get; init; }
}

[GenerateSerializer, Immutable, Alias("swarm.info")]
public sealed record SwarmInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] SwarmTopology Topology,
    [property: Id(3)] DistributionStrategy Strategy,
    [property: Id(4)] int MaxAgents,
    [property: Id(5)] int AgentCount,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] string? Objective,
    [property: Id(8)] IReadOnlyList<int> NetworkLayers)
{
    [Id(9)] public string? RequestId { get; init; }
    [Id(10)] public SupervisionPolicy Supervision { get; init; } = SupervisionPolicy.None;
}

/// <summary>Counters kept by the swarm; swarm_monitor samples them over time. Task figures are counted from the tasks.</summary>
[GenerateSerializer, Immutable, Alias("swarm.counters")]
public sealed record SwarmCounters(
    [property: Id(0)] long AgentsSpawned,
    [property: Id(1)] long TasksOrchestrated,
    [property: Id(2)] long TasksCompleted,
    [property: Id(3)] long TasksFailed,
    [property: Id(4)] long NetworkRuns,
    [property: Id(5)] long TrainingEpochs,
    [property: Id(6)] DateTimeOffset LastActivity)
{
    [Id(7)] public long LeasesExpired { get; init; }
    [Id(8)] public long TasksCancelled { get; init; }
}

[GenerateSerializer, Immutable, Alias("swarm.task-counts")]
public sealed record TaskCounts(
    [property: Id(0)] int Pending,
    [property: Id(1)] int Assigned,
    [property: Id(2)] int InProgress,
    [property: Id(3)] int Completed,
    [property: Id(4)] int Failed,
    [property: Id(5)] int Cancelled,
    [property: Id(6)] int Blocked = 0)
{
    public int Total => Pending + Blocked + Assigned + InProgress + Completed + Failed + Cancelled;
}

[GenerateSerializer, Immutable, Alias("swarm.status")]
public sealed record SwarmStatus(
    [property: Id(0)] SwarmInfo Info,
    [property: Id(1)] int IdleAgents,
    [property: Id(2)] int BusyAgents,
    [property: Id(3)] TaskCounts Tasks,
    [property: Id(4)] SwarmCounters Counters,
    [property: Id(5)] Neural.NeuralStatus Neural,
    /// <summary>Filled only when verbose status was asked for.</summary>
    [property: Id(6)] IReadOnlyList<Agents.AgentInfo> Agents);

[GenerateSerializer, Immutable, Alias("swarm.destroyed")]
public sealed record SwarmDestroyResult(
    [property: Id(0)] string SwarmId,
    [property: Id(1)] int AgentsRemoved,
    [property: Id(2)] int TasksCancelled);
