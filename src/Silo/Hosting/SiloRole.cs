namespace SwarmCluster.Hosting;

/// <summary>What a process hosting a silo is for.</summary>
public enum SiloRole
{
    /// <summary>One process does everything (MCP gateway + grains + dashboard); metadata role=worker.</summary>
    Embedded,

    /// <summary>Hosts stateful grains; metadata role=worker; no dashboard.</summary>
    Worker,

    /// <summary>Serves MCP and the dashboard; metadata role=gateway, so [WorkerPlacement] grains avoid it.</summary>
    Gateway,
}
