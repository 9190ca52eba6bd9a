namespace SwarmCluster.Contracts.Usage;

/// <summary>
/// What one tenant holds (integer key <see cref="GrainKeys.TenantKey"/>), counted per owner — a swarm (its agents
/// and tasks) or a memory namespace (its bytes) — and checked against the tenant's quotas. Owners send their own
/// absolute counts, so a count that drifted (a crash between a claim and the write it guarded) is corrected by
/// the owner's next claim or report.
/// </summary>
[Alias("swarm.IUsageGrain")]
public interface IUsageGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Sets the owner's usage to <paramref name="usage"/> if every figure that grows keeps the tenant within its
    /// quota; CapacityExceeded naming the quota otherwise (nothing changes).
    /// </summary>
    [Alias("Claim")] Task Claim(string tenant, string owner, ResourceUsage usage);

    /// <summary>Sets the owner's usage to what it counted itself; never refused (activation, after a write).</summary>
    [Alias("Report")] Task Report(string tenant, string owner, ResourceUsage usage);

    /// <summary>The owner is gone (swarm destroyed).</summary>
    [Alias("Release")] Task Release(string owner);

    [Alias("GetUsage")] Task<TenantUsage> GetUsage(string tenant);
}

/// <summary>Resources counted against a tenant's quotas.</summary>
[GenerateSerializer, Immutable, Alias("usage.resources")]
public sealed record ResourceUsage(
    [property: Id(0)] int Swarms,
    [property: Id(1)] int Agents,
    [property: Id(2)] long Tasks,
    [property: Id(3)] long MemoryBytes)
{
    public static ResourceUsage Swarm(int agents, long tasks) => new(1, agents, tasks, 0);

    public static ResourceUsage Memory(long bytes) => new(0, 0, 0, bytes);
}

/// <summary>A tenant's totals and its quotas.</summary>
[GenerateSerializer, Immutable, Alias("usage.tenant")]
public sealed record TenantUsage(
    [property: Id(0)] string Tenant,
    [property: Id(1)] ResourceUsage Used,
    [property: Id(2)] ResourceUsage Quota);
