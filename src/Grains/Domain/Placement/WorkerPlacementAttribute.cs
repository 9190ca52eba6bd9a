using Orleans.Placement;

namespace SwarmCluster.Grains.Placement;

/// <summary>
/// Keeps a grain on silos whose metadata role is "worker", wherever the call comes from (the gateway silo,
/// an external client or another worker). With no worker alive, activation fails with
/// "No active nodes are compatible with grain ...".
/// </summary>
/// <remarks>
/// Combine with a placement strategy that spreads load, e.g. <c>[ActivationCountBasedPlacement]</c>:
/// this attribute only narrows the candidate silos, the strategy picks one of them.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class WorkerPlacementAttribute() : PlacementFilterAttribute(new WorkerPlacementFilterStrategy());
