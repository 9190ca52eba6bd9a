namespace SwarmCluster.Grains.Placement;

/// <summary>Silo metadata used for placement. Silos publish it via <c>Orleans:Metadata</c>.</summary>
public static class SiloRoles
{
    /// <summary>Metadata key naming what a silo is for.</summary>
    public const string MetadataKey = "role";

    /// <summary>Silos that host stateful grains (swarms, agents, tasks, memory).</summary>
    public const string Worker = "worker";

    /// <summary>Silos that serve MCP/HTTP and must stay free of stateful grains.</summary>
    public const string Gateway = "gateway";
}
