using SwarmCluster.Contracts.Usage;

namespace SwarmCluster.Grains;

/// <summary>
/// Quotas per tenant (SwarmCluster:Quotas). The defaults are far above what one team's sessions create by hand or
/// by script (a thousand swarms, each at most 100 agents, is already a large deployment) and exist to stop a
/// runaway loop or a hostile key from filling the database; raise them per tenant under Tenants:&lt;name&gt;.
/// </summary>
public sealed class QuotaOptions
{
    public const string Section = "SwarmCluster:Quotas";

    public int Swarms { get; set; } = 1_000;
    public int Agents { get; set; } = 20_000;
    public long Tasks { get; set; } = 1_000_000;
    public long MemoryBytes { get; set; } = 1L << 30;

    /// <summary>Overrides for single tenants; an unset figure keeps the default.</summary>
    public Dictionary<string, TenantQuota> Tenants { get; set; } = new(StringComparer.Ordinal);

    public ResourceUsage For(string tenant)
    {
        var o = Tenants.GetValueOrDefault(tenant);
        return new ResourceUsage(o?.Swarms ?? Swarms, o?.Agents ?? Agents, o?.Tasks ?? Tasks, o?.MemoryBytes ?? MemoryBytes);
    }

    /// <summary>The first invalid figure, or null.</summary>
    public string? Problem()
    {
        foreach (var (name, quota) in Tenants.Select(t => (t.Key, For(t.Key))).Prepend(("default", For("\0"))))
        {
            if (quota.Swarms < 0 || quota.Agents < 0 || quota.Tasks < 0 || quota.MemoryBytes < 0)
            {
                return $"{Section}: quotas must not be negative (tenant '{name}': {quota})";
            }
        }

        return null;
    }
}

public sealed class TenantQuota
{
    public int? Swarms { get; set; }
    public int? Agents { get; set; }
    public long? Tasks { get; set; }
    public long? MemoryBytes { get; set; }
}
