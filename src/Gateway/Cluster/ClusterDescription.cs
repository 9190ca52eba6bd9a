using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Cluster;

/// <summary>How this process takes part in the cluster, as configured at start (reported by tools).</summary>
public sealed record ClusterDescription(string Role, string Transport, string Storage, string Clustering, string ClusterId, string? DataDirectory)
{
    public static ClusterDescription From(SwarmClusterSiloInfo silo, string transport) => new(
        silo.Role.ToString().ToLowerInvariant(), transport,
        silo.Options.Storage.ToString().ToLowerInvariant(), silo.Options.Clustering.ToString().ToLowerInvariant(), silo.Options.ClusterId,
        silo.Options.Storage == Hosting.Storage.StorageProvider.Sqlite ? Path.GetFullPath(silo.Options.DataDirectory) : null);
}
