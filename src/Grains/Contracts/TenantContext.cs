namespace SwarmCluster.Contracts;

/// <summary>
/// The caller's tenant and principal, carried with every grain call the gateway makes (Orleans RequestContext
/// flows along the call chain). Grains whose key names a tenant refuse a call made for another tenant
/// (defence in depth behind the gateway's own check); calls without it come from inside the cluster (reminders,
/// timers) and are trusted.
/// </summary>
public static class TenantContext
{
    private const string TenantKey = "swarm.tenant";
    private const string PrincipalKey = "swarm.principal";

    public static void Set(string tenant, string principal)
    {
        RequestContext.Set(TenantKey, tenant);
        RequestContext.Set(PrincipalKey, principal);
    }

    /// <summary>The tenant a call was made for, or null for calls from inside the cluster.</summary>
    public static string? Tenant => RequestContext.Get(TenantKey) as string;

    /// <summary>Who made the call (an API key's name, a token's subject, "local"), or null inside the cluster.</summary>
    public static string? Principal => RequestContext.Get(PrincipalKey) as string;
}
