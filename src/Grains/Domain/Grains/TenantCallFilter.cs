using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;

namespace SwarmCluster.Grains;

/// <summary>
/// Defence in depth behind the gateway: a call made for one tenant (<see cref="TenantContext"/>) never reaches a
/// grain whose key belongs to another; it is answered "not found", like an id that does not exist. Calls made
/// inside the cluster (reminders, timers) carry no tenant and pass.
/// </summary>
public sealed class TenantCallFilter : IIncomingGrainCallFilter
{
    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (TenantContext.Tenant is { } caller && !Belongs(context.TargetId, caller))
        {
            throw new DomainException(ErrorKind.NotFound, $"'{context.TargetId.Key}' not found");
        }

        return context.Invoke();
    }

    private static bool Belongs(GrainId grain, string tenant) => grain.Type.ToString() switch
    {
        "swarm" or "queen" or "agent" or "task" or "daa" => GrainKeys.TenantOf(grain.Key.ToString()) == tenant,
        "workflow" => GrainKeys.ParseWorkflow(grain.Key.ToString()!).Tenant == tenant,
        "memory" => GrainKeys.ParseMemory(grain.Key.ToString()!).Tenant == tenant,
        "registry" or "usage" => grain.GetIntegerKey() == GrainKeys.TenantKey(tenant),
        _ => true,
    };
}
