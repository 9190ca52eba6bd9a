using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.State;
using SwarmCluster.Hosting;
using SwarmCluster.Hosting.Storage;

namespace SwarmCluster.Grains.Tests.Cluster;

/// <summary>In-process clusters backed by a real SQLite file through the ADO.NET provider, as production runs.</summary>
public static class TestClusters
{
    public static readonly TimeSpan SupervisionPeriod = TimeSpan.FromSeconds(2);

    public static string NewDatabasePath() =>
        Path.Combine(Path.GetTempPath(), "swarmcluster-grain-tests", Guid.NewGuid().ToString("n"), "swarm.db");

    public static async Task<InProcessTestCluster> StartAsync(string databasePath, string serviceId)
    {
        var connectionString = SwarmClusterHosting.BuildSqliteConnectionString(databasePath);
        await SchemaMigrator.MigrateAsync(StorageProvider.Sqlite, connectionString);

        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = serviceId;
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
            if (Environment.GetEnvironmentVariable("SWARM_TEST_SILO_LOG") == "1")
            {
                host.Logging.AddConsole(); // debugging aid: silo logs on the test output
            }
        });
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddSwarmStorage(StorageProvider.Sqlite, connectionString);
            silo.AddSupervision(SupervisionPeriod); // short, so a test sees a Queen's reminder fire
            silo.UseSiloMetadata(new Dictionary<string, string> { [SiloRoles.MetadataKey] = SiloRoles.Worker });
            silo.Services.AddPlacementFilter<WorkerPlacementFilterStrategy, WorkerPlacementFilterDirector>(ServiceLifetime.Transient);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>All stored rows.</summary>
    public static async Task<List<StoredRow>> ReadRowsAsync(string databasePath)
    {
        await using var connection = new SqliteConnection(SwarmClusterHosting.BuildSqliteConnectionString(databasePath));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT GrainTypeString, GrainIdExtensionString, PayloadBinary, Version FROM SwarmGrainState";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<StoredRow>();
        while (await reader.ReadAsync())
        {
            var payload = reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2);
            rows.Add(new StoredRow(reader.GetString(0), reader.GetString(1), payload, reader.GetInt64(3)));
        }

        return rows;
    }

    /// <summary>Every memory entry row, in key order.</summary>
    public static async Task<List<MemoryRow>> ReadMemoryRowsAsync(string databasePath)
    {
        await using var connection = new SqliteConnection(SwarmClusterHosting.BuildSqliteConnectionString(databasePath));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT GrainKey, EntryKey, ValueJson, MetadataJson, RequestId FROM SwarmMemoryEntries ORDER BY GrainKey, EntryKey";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<MemoryRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new MemoryRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return rows;
    }
}

public sealed record StoredRow(string GrainType, string Key, byte[]? Payload, long Version)
{
    /// <summary>The payload as text: the strings in it are UTF-8 in both formats (GrainStateFormat).</summary>
    public string? Text => Payload is null ? null : System.Text.Encoding.UTF8.GetString(Payload);
}

/// <summary>One memory entry row (SwarmMemoryEntries).</summary>
public sealed record MemoryRow(string GrainKey, string EntryKey, string ValueJson, string MetadataJson, string? RequestId);

/// <summary>One cluster shared by the grain tests (start-up costs seconds); tests use fresh ids.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public string DatabasePath { get; } = TestClusters.NewDatabasePath();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync() => Cluster = await TestClusters.StartAsync(DatabasePath, "grain-tests");

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path.GetDirectoryName(DatabasePath)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
