using SwarmCluster.Contracts.Memory;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Contracts.Views;

/// <summary>What the swarm view page shows, one grain call per page or refresh; the grain fans out inside the cluster.</summary>
[Alias("view.ISwarmViewGrain")]
public interface ISwarmViewGrain : IGrainWithIntegerKey
{
    /// <summary>Every swarm with its counts, and the memory namespaces.</summary>
    [Alias("GetCluster")] Task<ClusterView> GetCluster();

    /// <summary>One swarm: agents, task graph, routing network and its training curve, recent routing decisions.</summary>
    [Alias("GetSwarm")] Task<SwarmView> GetSwarm(string swarmId);
}

/// <summary>The limits of what one view carries.</summary>
public static class ViewLimits
{
    /// <summary>Swarms (newest) and memory namespaces listed on the cluster page.</summary>
    public const int MaxSwarms = 100;
    public const int MaxNamespaces = 100;

    /// <summary>Newest routed tasks whose decisions a swarm view shows.</summary>
    public const int RecentDecisions = 12;
}

[GenerateSerializer, Immutable, Alias("view.cluster")]
public sealed record ClusterView(
    [property: Id(0)] IReadOnlyList<SwarmStatus> Swarms,
    [property: Id(1)] int TotalSwarms,
    [property: Id(2)] IReadOnlyList<MemoryStats> Namespaces,
    [property: Id(3)] int TotalNamespaces,
    [property: Id(4)] DateTimeOffset At);

/// <summary>One task's routing decision: the ranking (with each agent's score) it was assigned by.</summary>
[GenerateSerializer, Immutable, Alias("view.routed-task")]
public sealed record RoutedTask(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string Summary,
    [property: Id(2)] TaskState Status,
    [property: Id(3)] DateTimeOffset? StartedAt,
    [property: Id(4)] RoutingDecision Decision);

[GenerateSerializer, Immutable, Alias("view.swarm")]
public sealed record SwarmView(
    /// <summary>Info, agents (with metrics), task counts, counters and the network's status.</summary>
    [property: Id(0)] SwarmStatus Status,
    [property: Id(1)] SwarmGraph Graph,
    /// <summary>MSE of the most recent training epochs, oldest first; the first is epoch <see cref="FirstCurveEpoch"/>.</summary>
    [property: Id(2)] IReadOnlyList<float> TrainingCurve,
    [property: Id(3)] int FirstCurveEpoch,
    /// <summary>Routing accuracy on held-out outcomes; null while nothing measures it.</summary>
    [property: Id(4)] double? HeldOutAccuracy,
    [property: Id(5)] IReadOnlyList<RoutedTask> RecentDecisions,
    [property: Id(6)] IReadOnlyList<MemoryStats> Namespaces,
    [property: Id(7)] DateTimeOffset At);

/// <summary>The swarm grain's part of <see cref="SwarmView"/> (the view grain adds what lives elsewhere).</summary>
[GenerateSerializer, Immutable, Alias("view.swarm-part")]
public sealed record SwarmViewPart(
    [property: Id(0)] SwarmStatus Status,
    [property: Id(1)] SwarmGraph Graph,
    [property: Id(2)] IReadOnlyList<float> TrainingCurve,
    [property: Id(3)] int FirstCurveEpoch,
    [property: Id(4)] IReadOnlyList<RoutedTask> RecentDecisions);
