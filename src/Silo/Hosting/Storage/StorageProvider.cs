namespace SwarmCluster.Hosting.Storage;

/// <summary>Relational back-ends the grain storage can run on.</summary>
public enum StorageProvider
{
    /// <summary>A local SQLite file (single machine, embedded mode).</summary>
    Sqlite,

    /// <summary>A shared PostgreSQL database (multi-silo clusters).</summary>
    PostgreSql,
}
