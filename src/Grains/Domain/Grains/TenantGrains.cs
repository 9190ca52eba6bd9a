using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Registry;
using SwarmCluster.Contracts.Usage;

namespace SwarmCluster.Grains;

/// <summary>The per-tenant grains a swarm or a memory namespace talks to, found from its own key.</summary>
internal static class TenantGrains
{
    public static IRegistryGrain RegistryOf(this IGrainFactory factory, string tenant) =>
        factory.GetGrain<IRegistryGrain>(GrainKeys.TenantKey(tenant));

    public static IUsageGrain UsageOf(this IGrainFactory factory, string tenant) =>
        factory.GetGrain<IUsageGrain>(GrainKeys.TenantKey(tenant));

    /// <summary>Claims the swarm's counts after a creation (CapacityExceeded when the tenant's quota would be exceeded).</summary>
    public static Task ClaimSwarmAsync(this IGrainFactory factory, string swarmId, int agents, long tasks)
    {
        var tenant = GrainKeys.TenantOf(swarmId);
        return factory.UsageOf(tenant).Claim(tenant, swarmId, ResourceUsage.Swarm(agents, tasks));
    }

    public static Task ReportSwarmAsync(this IGrainFactory factory, string swarmId, int agents, long tasks)
    {
        var tenant = GrainKeys.TenantOf(swarmId);
        return factory.UsageOf(tenant).Report(tenant, swarmId, ResourceUsage.Swarm(agents, tasks));
    }

    public static Task ReleaseSwarmAsync(this IGrainFactory factory, string swarmId) =>
        factory.UsageOf(GrainKeys.TenantOf(swarmId)).Release(swarmId);
}
