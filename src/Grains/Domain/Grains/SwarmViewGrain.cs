using Orleans.Concurrency;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Contracts.Registry;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Views;

namespace SwarmCluster.Grains;

/// <summary>
/// The swarm view's one call per page: gathers from the registry, the swarms and the memory namespaces in parallel.
/// Stateless and local to the caller (the gateway), so it holds nothing and nothing calls it back.
/// </summary>
[GrainType("swarm-view"), StatelessWorker]
public sealed class SwarmViewGrain : Grain, ISwarmViewGrain
{
    private IRegistryGrain Registry => GrainFactory.GetGrain<IRegistryGrain>(GrainKeys.Registry);

    public async Task<ClusterView> GetCluster()
    {
        var swarmIds = await Registry.ListSwarms();
        var shown = swarmIds.TakeLast(ViewLimits.MaxSwarms).ToList();
        var swarms = Task.WhenAll(shown.Select(id => GrainFactory.GetGrain<ISwarmGrain>(id).GetStatus(verbose: false)));
        var (namespaces, total) = await NamespacesAsync();
        return new ClusterView(await swarms, swarmIds.Count, namespaces, total, DateTimeOffset.UtcNow);
    }

    public async Task<SwarmView> GetSwarm(string swarmId)
    {
        var part = GrainFactory.GetGrain<ISwarmGrain>(swarmId).GetView(ViewLimits.RecentDecisions);
        var (namespaces, _) = await NamespacesAsync();
        var p = await part;
        // Held-out routing accuracy: nothing measures it yet, so it is reported as not measured (null), never guessed.
        return new SwarmView(p.Status, p.Graph, p.TrainingCurve, p.FirstCurveEpoch, null, p.RecentDecisions, namespaces, DateTimeOffset.UtcNow);
    }

    private async Task<(IReadOnlyList<MemoryStats> Shown, int Total)> NamespacesAsync()
    {
        var names = await Registry.ListNamespaces();
        var stats = await Task.WhenAll(names.Take(ViewLimits.MaxNamespaces)
            .Select(n => GrainFactory.GetGrain<IMemoryGrain>(GrainKeys.Memory(n)).GetStats()));
        return (stats, names.Count);
    }
}
