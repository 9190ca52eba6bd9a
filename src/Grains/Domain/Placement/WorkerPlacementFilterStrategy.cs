using Orleans.Placement;

namespace SwarmCluster.Grains.Placement;

/// <summary>
/// Marker strategy for <see cref="WorkerPlacementAttribute"/>. Orleans finds its director by this type's name
/// (registered with <c>AddPlacementFilter&lt;WorkerPlacementFilterStrategy, WorkerPlacementFilterDirector&gt;</c>),
/// so the name is part of the grain metadata exchanged between silos: do not rename it.
/// </summary>
public sealed class WorkerPlacementFilterStrategy() : PlacementFilterStrategy(order: 0);
