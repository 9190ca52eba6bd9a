namespace SwarmCluster.Contracts;

/// <summary>
/// Grain ids. Every id has a non-hex prefix because the ADO.NET storage treats keys that parse as hex as
/// integers ("C1" and "c1" would share a row).
/// </summary>
public static class GrainKeys
{
    public const string SwarmPrefix = "swarm-";
    public const string AgentPrefix = "agent-";
    public const string TaskPrefix = "task-";
    public const string MemoryPrefix = "ns-";
    public const long Registry = 0;

    public static string NewSwarmId() => SwarmPrefix + Guid.NewGuid().ToString("n")[..16];
    public static string NewAgentId() => AgentPrefix + Guid.NewGuid().ToString("n")[..16];
    public static string NewTaskId() => TaskPrefix + Guid.NewGuid().ToString("n")[..16];
    public static string Memory(string memoryNamespace) => MemoryPrefix + memoryNamespace;

    public static bool IsSwarmId(string? id) => IsId(id, SwarmPrefix);
    public static bool IsAgentId(string? id) => IsId(id, AgentPrefix);
    public static bool IsTaskId(string? id) => IsId(id, TaskPrefix);

    private static bool IsId(string? id, string prefix) =>
        id is not null && id.Length > prefix.Length && id.Length <= 64 && id.StartsWith(prefix, StringComparison.Ordinal)
        && id.AsSpan(prefix.Length).IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789-_") < 0;
}
