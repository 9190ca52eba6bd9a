using SwarmCluster.Contracts.Memory;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Contracts.Views;

/// <summary>What the swarm view page shows, one grain call per page or refresh; the grain fans out inside the cluster.</summary>
[Alias("view.ISwarmViewGrain")]
public interface ISwarmViewGrain : IGrainWithIntegerKey
{
    /// <summary>The tenant's swarms with their counts, and its memory namespaces.</summary>
    [Alias("GetCluster")] Task<ClusterView> GetCluster(string tenant);

    /// <summary>
    /// One swarm of the tenant: agents, task graph, routing network and its trainings, recent routing decisions;
    /// NotFound for another tenant's swarm.
    /// </summary>
    [Alias("GetSwarm")] Task<SwarmView> GetSwarm(string tenant, string swarmId);
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

/// <summary>
/// One training of the routing network on recorded outcomes, placed on the network's epoch axis: point i is epoch
/// <see cref="FirstEpoch"/> + i × <see cref="Stride"/>, the last point is epoch <see cref="FirstEpoch"/> +
/// <see cref="Epochs"/> − 1 (the stored history keeps every stride-th epoch and the last).
/// </summary>
[GenerateSerializer, Immutable, Alias("view.training")]
public sealed record TrainingCurve(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] TrainingTrigger Trigger,
    [property: Id(2)] int Samples,
    [property: Id(3)] int FirstEpoch,
    [property: Id(4)] int Epochs,
    [property: Id(5)] int Stride,
    [property: Id(6)] IReadOnlyList<float> Mse,
    [property: Id(7)] double? HeldOutAccuracyBefore,
    [property: Id(8)] double? HeldOutAccuracyAfter);

/// <param name="Status">Info, agents (with metrics), task counts, counters and both networks' status (routing with
/// how it learns, custom).</param>
/// <param name="Trainings">The routing network's recent trainings, oldest first (the curve of MSE per epoch).</param>
/// <param name="HeldOutAccuracy">The routing network's accuracy on held-out outcomes now; null while none is held out.</param>
[GenerateSerializer, Immutable, Alias("view.swarm")]
public sealed record SwarmView(
    [property: Id(0)] SwarmStatus Status,
    [property: Id(1)] SwarmGraph Graph,
    [property: Id(2)] IReadOnlyList<TrainingCurve> Trainings,
    [property: Id(3)] double? HeldOutAccuracy,
    [property: Id(4)] IReadOnlyList<RoutedTask> RecentDecisions,
    [property: Id(5)] IReadOnlyList<MemoryStats> Namespaces,
    [property: Id(6)] DateTimeOffset At);

/// <summary>The swarm grain's part of <see cref="SwarmView"/> (the view grain adds what lives elsewhere).</summary>
[GenerateSerializer, Immutable, Alias("view.swarm-part")]
public sealed record SwarmViewPart(
    [property: Id(0)] SwarmStatus Status,
    [property: Id(1)] SwarmGraph Graph,
    [property: Id(2)] IReadOnlyList<RoutedTask> RecentDecisions);
