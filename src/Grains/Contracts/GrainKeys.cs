using System.Security.Cryptography;
using System.Text;

namespace SwarmCluster.Contracts;

/// <summary>
/// Grain ids. Every id has a non-hex prefix because the ADO.NET storage treats keys that parse as hex as
/// integers ("C1" and "c1" would share a row).
/// <para>
/// Agents and tasks carry their swarm: "agent-&lt;swarm key&gt;-&lt;suffix&gt;", "task-&lt;swarm key&gt;-&lt;suffix&gt;",
/// where the swarm key is the swarm id without "swarm-" and the suffix has no '-'. A call naming only a task
/// or agent therefore reaches its swarm without a lookup. Ids made before this scheme ("task-&lt;16 hex&gt;")
/// carry no swarm; <see cref="SwarmOf"/> returns null for them.
/// </para>
/// <para>
/// Ids derived from a client's requestId are a hash of (scope, requestId): a retried call finds what the first
/// one created instead of creating it again.
/// </para>
/// <para>
/// Tenants: a named tenant's swarm key starts with "&lt;tenant&gt;-" ("swarm-acme-0123456789abcdef"), so every swarm,
/// agent and task id tells its tenant without a grain call; the implicit tenant's keys have no '-' and are exactly
/// the ids made before tenants existed. Memory grains are "ns-&lt;namespace&gt;" (implicit) or
/// "ns-&lt;tenant&gt;~&lt;namespace&gt;" ('~' is not allowed in a namespace name). Each tenant has its own registry and
/// usage grain, keyed by <see cref="TenantKey"/>.
/// </para>
/// </summary>
public static class GrainKeys
{
    public const string SwarmPrefix = "swarm-";
    public const string AgentPrefix = "agent-";
    public const string TaskPrefix = "task-";
    public const string MemoryPrefix = "ns-";
    public const string WorkflowPrefix = "workflow-";

    /// <summary>Memory namespaces of agents' DAA knowledge: "kb:" + the agent id without "agent-" (fits the 64-character namespace limit).</summary>
    public const string KnowledgePrefix = "kb:";
    public const long Registry = 0;
    public const int MaxIdLength = 64;

    public const char MemoryTenantSeparator = '~';

    public static string NewSwarmId() => NewSwarmId(Tenants.Implicit);

    /// <summary>A new swarm id of <paramref name="tenant"/>.</summary>
    public static string NewSwarmId(string tenant) => SwarmPrefix + TenantPrefix(tenant) + Guid.NewGuid().ToString("n")[..16];

    /// <summary>The swarm a requestId creates: the same request always names the same swarm.</summary>
    public static string SwarmIdForRequest(string scope, string requestId) => SwarmIdForRequest(Tenants.Implicit, scope, requestId);

    /// <summary>The swarm a requestId of <paramref name="tenant"/> creates; two tenants' equal requestIds name different swarms.</summary>
    public static string SwarmIdForRequest(string tenant, string scope, string requestId) =>
        SwarmPrefix + TenantPrefix(tenant) + "r" + Hash(scope + "\n" + requestId, 15);

    /// <summary>The Queen that plans without creating (swarm_plan) for a tenant; "swarm-planner" for the implicit one.</summary>
    public static string PlannerId(string tenant) => SwarmPrefix + TenantPrefix(tenant) + "planner";

    public static string NewAgentId(string swarmId) => AgentPrefix + SwarmKey(swarmId) + "-" + Guid.NewGuid().ToString("n")[..10];

    public static string AgentIdForRequest(string swarmId, string requestId) => AgentPrefix + SwarmKey(swarmId) + "-r" + Hash(requestId, 12);

    /// <summary>Task ids number the swarm's tasks in creation order.</summary>
    public static string TaskId(string swarmId, long sequence) => TaskPrefix + SwarmKey(swarmId) + "-" + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string TaskIdForRequest(string swarmId, string requestId) => TaskPrefix + SwarmKey(swarmId) + "-r" + Hash(requestId, 12);

    public static string Memory(string memoryNamespace) => MemoryPrefix + memoryNamespace;

    /// <summary>
    /// The agent daa_agent_create makes for an id of the caller's choosing (an alias): a pure function of swarm and
    /// alias, so the same alias always names the same agent, after restarts too, without a lookup.
    /// </summary>
    public static string AgentIdForAlias(string swarmId, string alias) => AgentIdForRequest(swarmId, AliasRequestPrefix + alias);

    /// <summary>Prefix of the requestId daa_agent_create spawns with.</summary>
    public const string AliasRequestPrefix = "daa-agent:";

    public static string KnowledgeNamespace(string agentId) =>
        IsAgentId(agentId) ? KnowledgePrefix + agentId[AgentPrefix.Length..] : throw new ArgumentException($"'{agentId}' is not an agent id", nameof(agentId));

    public static string Workflow(string workflowId) => WorkflowPrefix + workflowId;

    /// <summary>The workflow grain of a tenant's workflow id (like memory: each tenant has its own ids).</summary>
    public static string Workflow(string tenant, string workflowId) =>
        Tenants.IsImplicit(tenant) ? Workflow(workflowId) : WorkflowPrefix + Tenants.Check(tenant) + MemoryTenantSeparator + workflowId;

    /// <summary>The tenant and workflow id of a workflow grain key.</summary>
    public static (string Tenant, string WorkflowId) ParseWorkflow(string key)
    {
        var rest = key.StartsWith(WorkflowPrefix, StringComparison.Ordinal) ? key[WorkflowPrefix.Length..] : key;
        var separator = rest.IndexOf(MemoryTenantSeparator);
        return separator < 0 ? (Tenants.Implicit, rest) : (rest[..separator], rest[(separator + 1)..]);
    }

    /// <summary>Workflow ids: 1–48 of a-z, A-Z, 0-9, '-', '_', '.'.</summary>
    public static bool IsWorkflowId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= DaaLimits.MaxWorkflowIdLength
        && id.AsSpan().IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") < 0;

    /// <summary>Aliases (daa_agent_create ids): 1–48 of a-z, A-Z, 0-9, '-', '_', '.', and not an agent id themselves.</summary>
    public static bool IsAlias(string? alias) =>
        !string.IsNullOrEmpty(alias) && alias.Length <= DaaLimits.MaxAliasLength && !alias.StartsWith(AgentPrefix, StringComparison.Ordinal)
        && alias.AsSpan().IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") < 0;

    /// <summary>The memory grain of a tenant's namespace; the client only ever sees the namespace name.</summary>
    public static string Memory(string tenant, string memoryNamespace) =>
        Tenants.IsImplicit(tenant) ? Memory(memoryNamespace) : MemoryPrefix + Tenants.Check(tenant) + MemoryTenantSeparator + memoryNamespace;

    /// <summary>The tenant and namespace name of a memory grain key.</summary>
    public static (string Tenant, string Namespace) ParseMemory(string key)
    {
        var rest = key.StartsWith(MemoryPrefix, StringComparison.Ordinal) ? key[MemoryPrefix.Length..] : key;
        var separator = rest.IndexOf(MemoryTenantSeparator);
        return separator < 0 ? (Tenants.Implicit, rest) : (rest[..separator], rest[(separator + 1)..]);
    }

    /// <summary>
    /// The integer key of a tenant's registry and usage grains: 0 for the implicit tenant (the registry every
    /// existing deployment has), otherwise a stable 64-bit hash of the name (never 0).
    /// </summary>
    public static long TenantKey(string tenant)
    {
        if (Tenants.IsImplicit(tenant))
        {
            return Registry;
        }

        var key = BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("tenant\n" + Tenants.Check(tenant))), 0);
        return key == Registry ? 1 : key;
    }

    /// <summary>
    /// The tenant a swarm, agent or task id belongs to. Ids without a swarm (made before agents and tasks carried
    /// one) and every other id belong to the implicit tenant: named tenants came later.
    /// </summary>
    public static string TenantOf(string? id)
    {
        var swarm = IsSwarmId(id) ? id : SwarmOf(id);
        if (swarm is null)
        {
            return Tenants.Implicit;
        }

        var key = swarm.AsSpan(SwarmPrefix.Length);
        var dash = key.IndexOf('-');
        return dash <= 0 ? Tenants.Implicit : key[..dash].ToString();
    }

    public static bool IsSwarmId(string? id) => IsId(id, SwarmPrefix);
    public static bool IsAgentId(string? id) => IsId(id, AgentPrefix);
    public static bool IsTaskId(string? id) => IsId(id, TaskPrefix);

    /// <summary>The swarm an agent or task id names, or null for ids without one (made before the scheme).</summary>
    public static string? SwarmOf(string? id)
    {
        var prefix = IsTaskId(id) ? TaskPrefix : IsAgentId(id) ? AgentPrefix : null;
        if (prefix is null)
        {
            return null;
        }

        var last = id!.LastIndexOf('-');
        if (last <= prefix.Length || last == id.Length - 1)
        {
            return null;
        }

        var swarm = SwarmPrefix + id[prefix.Length..last];
        return IsSwarmId(swarm) ? swarm : null;
    }

    private static string TenantPrefix(string tenant) => Tenants.IsImplicit(tenant) ? "" : Tenants.Check(tenant) + "-";

    private static string SwarmKey(string swarmId) =>
        IsSwarmId(swarmId) ? swarmId[SwarmPrefix.Length..] : throw new ArgumentException($"'{swarmId}' is not a swarm id", nameof(swarmId));

    private static string Hash(string text, int hexChars) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..hexChars];

    private static bool IsId(string? id, string prefix) =>
        id is not null && id.Length > prefix.Length && id.Length <= MaxIdLength && id.StartsWith(prefix, StringComparison.Ordinal)
        && id.AsSpan(prefix.Length).IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789-_") < 0;
}
