using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Registry;
using SwarmCluster.Contracts.Usage;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.State;
using SwarmCluster.Grains.Telemetry;

namespace SwarmCluster.Grains;

/// <summary>
/// One tenant's usage and quotas (integer key: the tenant's key, like its registry). Swarms claim before they
/// create a swarm, an agent or tasks; memory namespaces before they grow. Claims are checked one at a time here, so
/// concurrent creations of one tenant never overshoot a quota.
/// <para>
/// Crash behaviour: the counts are written behind (every <see cref="WritePeriod"/> and on deactivation), so a crash
/// can leave them up to that period stale. They converge by themselves: every owner sends its absolute counts, on
/// each claim and when a swarm activates or a namespace writes; and when a claim would exceed a quota, owners
/// the tenant's registry no longer lists (a swarm whose creation failed halfway) are dropped first.
/// </para>
/// </summary>
[GrainType("usage"), WorkerPlacement]
public sealed class UsageGrain(
    [PersistentState(StorageNames.Usage, StorageNames.Provider)] IPersistentState<UsageGrainState> state,
    IOptions<QuotaOptions> quotas,
    ILogger<UsageGrain> logger) : Grain, IUsageGrain
{
    public static readonly TimeSpan WritePeriod = TimeSpan.FromSeconds(5);

    // An owner younger than this may still be on its way into the registry (claim, write, then register).
    private static readonly TimeSpan RegistrationGrace = TimeSpan.FromMinutes(1);

    private bool _dirty;

    // The sum over every owner, kept as owners change so a claim costs the same with 10 owners or 10,000.
    private ResourceUsage _sum = new(0, 0, 0, 0);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var record in state.State.Owners.Values)
        {
            _sum = Plus(_sum, record, 1);
        }

        this.RegisterGrainTimer(WriteBehindAsync, WritePeriod, WritePeriod);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            await WriteBehindAsync(cancellationToken);
        }
    }

    public async Task Claim(string tenant, string owner, ResourceUsage usage)
    {
        Bind(tenant);
        var quota = quotas.Value.For(tenant);
        if (Exceeded(owner, usage, quota) is not null && await DropUnregisteredAsync())
        {
            logger.LogInformation("Tenant {Tenant}: dropped usage of owners no longer registered", tenant);
        }

        if (Exceeded(owner, usage, quota) is { } problem)
        {
            SwarmMetrics.RecordRefusal("quota");
            throw new DomainException(ErrorKind.CapacityExceeded, $"tenant '{tenant}' {problem}; ask the operator to raise it");
        }

        Set(owner, usage);
    }

    public Task Report(string tenant, string owner, ResourceUsage usage)
    {
        Bind(tenant);
        Set(owner, usage);
        return Task.CompletedTask;
    }

    public Task Release(string owner)
    {
        Remove(owner);
        return Task.CompletedTask;
    }

    public Task<TenantUsage> GetUsage(string tenant)
    {
        Bind(tenant);
        return Task.FromResult(new TenantUsage(tenant, Total(null), quotas.Value.For(tenant)));
    }

    /// <summary>What the claim would break, or null: only figures the claim makes larger are checked.</summary>
    private string? Exceeded(string owner, ResourceUsage wanted, ResourceUsage quota)
    {
        var others = Total(owner);
        var current = state.State.Owners.TryGetValue(owner, out var r) ? r : new UsageRecord();
        if (wanted.Swarms > current.Swarms && others.Swarms + wanted.Swarms > quota.Swarms)
        {
            return $"has reached its quota of {quota.Swarms} swarms ({QuotaOptions.Section}:Swarms); destroy a swarm first";
        }

        if (wanted.Agents > current.Agents && others.Agents + wanted.Agents > quota.Agents)
        {
            return $"has reached its quota of {quota.Agents} agents across its swarms ({QuotaOptions.Section}:Agents)";
        }

        if (wanted.Tasks > current.Tasks && others.Tasks + wanted.Tasks > quota.Tasks)
        {
            return $"would exceed its quota of {quota.Tasks} tasks across its swarms ({QuotaOptions.Section}:Tasks; " +
                   $"{others.Tasks + current.Tasks} exist)";
        }

        if (wanted.MemoryBytes > current.MemoryBytes && others.MemoryBytes + wanted.MemoryBytes > quota.MemoryBytes)
        {
            return $"would exceed its quota of {quota.MemoryBytes} bytes of memory values ({QuotaOptions.Section}:MemoryBytes; " +
                   $"{others.MemoryBytes + current.MemoryBytes} used); delete entries first";
        }

        return null;
    }

    private ResourceUsage Total(string? except) =>
        except is not null && state.State.Owners.TryGetValue(except, out var own) ? Plus(_sum, own, -1) : _sum;

    private static ResourceUsage Plus(ResourceUsage sum, UsageRecord r, int sign) => new(
        sum.Swarms + sign * r.Swarms, sum.Agents + sign * r.Agents, sum.Tasks + sign * r.Tasks, sum.MemoryBytes + sign * r.MemoryBytes);

    private void Remove(string owner)
    {
        if (state.State.Owners.Remove(owner, out var old))
        {
            _sum = Plus(_sum, old, -1);
            _dirty = true;
        }
    }

    private void Set(string owner, ResourceUsage usage)
    {
        Remove(owner);
        var record = state.State.Owners[owner] = new UsageRecord
        {
            Swarms = usage.Swarms,
            Agents = usage.Agents,
            Tasks = usage.Tasks,
            MemoryBytes = usage.MemoryBytes,
            UpdatedAt = DateTimeOffset.UtcNow,
        };
        _sum = Plus(_sum, record, 1);
        _dirty = true;
    }

    /// <summary>Drops owners the tenant's registry does not list (and that are not being created right now).</summary>
    private async Task<bool> DropUnregisteredAsync()
    {
        var registry = GrainFactory.GetGrain<IRegistryGrain>(this.GetPrimaryKeyLong());
        var swarms = (await registry.ListSwarms()).ToHashSet(StringComparer.Ordinal);
        var namespaces = (await registry.ListNamespaces()).ToHashSet(StringComparer.Ordinal);
        var settled = DateTimeOffset.UtcNow - RegistrationGrace;
        var stale = state.State.Owners
            .Where(o => o.Value.UpdatedAt < settled && (GrainKeys.IsSwarmId(o.Key)
                ? !swarms.Contains(o.Key)
                : !namespaces.Contains(GrainKeys.ParseMemory(o.Key).Namespace)))
            .Select(o => o.Key).ToList();
        foreach (var owner in stale)
        {
            Remove(owner);
        }

        return stale.Count > 0;
    }

    private void Bind(string tenant)
    {
        if (GrainKeys.TenantKey(tenant) != this.GetPrimaryKeyLong())
        {
            throw DomainException.Invalid("tenant", $"'{tenant}' is not the tenant of usage grain {this.GetPrimaryKeyLong()}");
        }

        state.State.Tenant = tenant;
    }

    private async Task WriteBehindAsync(CancellationToken cancellationToken)
    {
        if (!_dirty)
        {
            return;
        }

        _dirty = false;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            _dirty = true; // the next tick tries again
            logger.LogWarning(e, "Tenant {Tenant}: usage write-behind failed", state.State.Tenant);
            if (e is Orleans.Storage.InconsistentStateException)
            {
                DeactivateOnIdle();
            }
        }
    }
}
