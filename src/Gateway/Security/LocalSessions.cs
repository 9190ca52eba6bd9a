namespace SwarmCluster.Gateway.Security;

/// <summary>
/// MCP sessions served over the data directory's own bridge socket (<see cref="Stdio.BridgeListener"/>). That socket
/// is owner-only and, on Linux, admits only processes of the gateway's own user: whoever reaches it can read the data
/// directory anyway, so its sessions are the local admin (<see cref="Caller.Local"/>, the implicit tenant) even when
/// HTTP requires keys or tokens. The mark flows with the session's async flow (the SDK runs a stream session's
/// handlers in it); HTTP requests run in Kestrel's flows, which never carry it.
/// </summary>
public static class LocalSessions
{
    private static readonly AsyncLocal<bool> Marked = new();

    /// <summary>Marks the rest of the current async flow (a bridge session about to run its MCP server) as local.</summary>
    public static void Enter() => Marked.Value = true;

    public static bool IsCurrent => Marked.Value;
}
