using Orleans.Concurrency;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Registry;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Views;

namespace SwarmCluster.Grains;

/// <summary>
/// The swarm view's one call per page: gathers from the tenant's registry, its swarms and its memory namespaces in
/// parallel. Stateless and local to the caller (the gateway), so it holds nothing and nothing calls it back. The
/// calls it makes carry the caller's tenant (RequestContext), so the tenant filter refuses another tenant's grains.
/// </summary>
[GrainType("swarm-view"), StatelessWorker]
public sealed class SwarmViewGrain : Grain, ISwarmViewGrain
{
    public async Task<ClusterView> GetCluster(string tenant)
    {
        var registry = Registry(tenant);
        var swarmIds = await registry.ListSwarms();
        var shown = swarmIds.TakeLast(ViewLimits.MaxSwarms).ToList();
        var swarms = Task.WhenAll(shown.Select(id => GrainFactory.GetGrain<ISwarmGrain>(id).GetStatus(verbose: false)));
        var (namespaces, total) = await NamespacesAsync(tenant);
        return new ClusterView(await swarms, swarmIds.Count, namespaces, total, DateTimeOffset.UtcNow);
    }

    public async Task<SwarmView> GetSwarm(string tenant, string swarmId)
    {
        if (GrainKeys.TenantOf(swarmId) != tenant)
        {
            throw DomainException.NotFound("swarm", swarmId, "swarmId");
        }

        var part = GrainFactory.GetGrain<ISwarmGrain>(swarmId).GetView(ViewLimits.RecentDecisions);
        var (namespaces, _) = await NamespacesAsync(tenant);
        var p = await part;
        var neural = p.Status.Neural;
        return new SwarmView(p.Status, p.Graph, Trainings(neural), neural.Learning?.HeldOutAccuracy, p.RecentDecisions, namespaces, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// The kept trainings on one epoch axis: they ran one after another, so each starts where the previous ended,
    /// and the first starts after the epochs trained before the kept history.
    /// </summary>
    internal static IReadOnlyList<TrainingCurve> Trainings(NeuralStatus neural)
    {
        var history = neural.Learning?.History ?? [];
        var epoch = neural.EpochsTrained - history.Sum(h => h.Epochs) + 1;
        var curves = new List<TrainingCurve>(history.Count);
        foreach (var h in history)
        {
            curves.Add(new TrainingCurve(h.At, h.Trigger, h.Samples, epoch, h.Epochs, Math.Max(1, h.EpochMseStride), h.EpochMse,
                h.HeldOutAccuracyBefore, h.HeldOutAccuracyAfter));
            epoch += h.Epochs;
        }

        return curves;
    }

    private IRegistryGrain Registry(string tenant) => GrainFactory.GetGrain<IRegistryGrain>(GrainKeys.TenantKey(tenant));

    private async Task<(IReadOnlyList<MemoryStats> Shown, int Total)> NamespacesAsync(string tenant)
    {
        var names = await Registry(tenant).ListNamespaces();
        var stats = await Task.WhenAll(names.Take(ViewLimits.MaxNamespaces)
            .Select(n => GrainFactory.GetGrain<IMemoryGrain>(GrainKeys.Memory(tenant, n)).GetStats()));
        return (stats, names.Count);
    }
}
