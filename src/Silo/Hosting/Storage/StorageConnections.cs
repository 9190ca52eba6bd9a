using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace SwarmCluster.Hosting.Storage;

/// <summary>A connection (not yet open) to the database a silo's storage provider uses.</summary>
public static class StorageConnections
{
    public static DbConnection Create(StorageProvider provider, string connectionString) => provider switch
    {
        StorageProvider.Sqlite => new SqliteConnection(connectionString),
        StorageProvider.PostgreSql => new NpgsqlConnection(connectionString),
        _ => throw new InvalidOperationException($"Unknown storage provider '{provider}'."),
    };
}
