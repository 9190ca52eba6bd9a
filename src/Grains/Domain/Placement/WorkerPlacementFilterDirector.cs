using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace SwarmCluster.Grains.Placement;

/// <summary>
/// Keeps the silos whose metadata says role=worker. Unlike Orleans' RequiredMatch filter it compares with a
/// fixed value, not with the calling silo's metadata, so calls from a gateway silo still land on workers.
/// </summary>
public sealed class WorkerPlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    /// <inheritdoc />
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
        => silos.Where(silo =>
            metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloRoles.MetadataKey, out var role)
            && string.Equals(role, SiloRoles.Worker, StringComparison.OrdinalIgnoreCase));
}
