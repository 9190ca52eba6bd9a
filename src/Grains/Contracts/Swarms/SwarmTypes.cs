namespace SwarmCluster.Contracts.Swarms;

public enum SwarmTopology { Mesh, Hierarchical, Ring, Star }

public enum DistributionStrategy { Balanced, Specialized, Adaptive }

[GenerateSerializer, Alias("swarm.config")]
public sealed record SwarmConfig(
    [property: Id(0)] SwarmTopology Topology,
    [property: Id(1)] DistributionStrategy Strategy,
    [property: Id(2)] int MaxAgents,
    [property: Id(3)] string? Name = null,
    [property: Id(4)] string? Objective = null);

[GenerateSerializer, Alias("swarm.info")]
public sealed record SwarmInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] SwarmTopology Topology,
    [property: Id(3)] DistributionStrategy Strategy,
    [property: Id(4)] int MaxAgents,
    [property: Id(5)] int AgentCount,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] string? Objective,
    [property: Id(8)] IReadOnlyList<int> NetworkLayers);

/// <summary>Monotonic counters kept by the swarm; swarm_monitor samples them over time.</summary>
[GenerateSerializer, Alias("swarm.counters")]
public sealed record SwarmCounters(
    [property: Id(0)] long AgentsSpawned,
    [property: Id(1)] long TasksOrchestrated,
    [property: Id(2)] long TasksCompleted,
    [property: Id(3)] long TasksFailed,
    [property: Id(4)] long NetworkRuns,
    [property: Id(5)] long TrainingEpochs,
    [property: Id(6)] DateTimeOffset LastActivity);

[GenerateSerializer, Alias("swarm.task-counts")]
public sealed record TaskCounts(
    [property: Id(0)] int Pending,
    [property: Id(1)] int Assigned,
    [property: Id(2)] int InProgress,
    [property: Id(3)] int Completed,
    [property: Id(4)] int Failed,
    [property: Id(5)] int Cancelled)
{
    public int Total => Pending + Assigned + InProgress + Completed + Failed + Cancelled;
}

[GenerateSerializer, Alias("swarm.status")]
public sealed record SwarmStatus(
    [property: Id(0)] SwarmInfo Info,
    [property: Id(1)] int IdleAgents,
    [property: Id(2)] int BusyAgents,
    [property: Id(3)] TaskCounts Tasks,
    [property: Id(4)] SwarmCounters Counters,
    [property: Id(5)] Neural.NeuralStatus Neural,
    /// <summary>Filled only when verbose status was asked for.</summary>
    [property: Id(6)] IReadOnlyList<Agents.AgentInfo> Agents);

[GenerateSerializer, Alias("swarm.destroyed")]
public sealed record SwarmDestroyResult(
    [property: Id(0)] string SwarmId,
    [property: Id(1)] int AgentsRemoved,
    [property: Id(2)] int TasksCancelled);
