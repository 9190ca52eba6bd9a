using Npgsql;
using SwarmCluster.Tests.Shared;

namespace SwarmCluster.Silo.Tests;

/// <summary>External services the tests need. Missing ones fail the test with the fix, never skip it.</summary>
internal static class TestEnvironment
{
    public const string PostgresVariable = "SWARM_TEST_POSTGRES";
    public const string RedisVariable = "SWARM_TEST_REDIS";

    public static string PostgresConnectionString => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException(
            $"{PostgresVariable} is not set. Start PostgreSQL on loopback and export " +
            $"{PostgresVariable}=\"Host=127.0.0.1;Port=5432;Username=postgres;Database=swarm_test\" (see scripts / NOTES.md).");

    public static string RedisConnectionString => Environment.GetEnvironmentVariable(RedisVariable) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException(
            $"{RedisVariable} is not set. Start redis-server on loopback and export {RedisVariable}=127.0.0.1:6379.");

    /// <summary>A unique ClusterId/ServiceId so runs never see each other's silos or rows.</summary>
    public static string UniqueId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>A port for a node to listen on: see <see cref="FreePorts"/>.</summary>
    public static int FreePort() => FreePorts.Next();
}

/// <summary>A temporary directory deleted at dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "swarm-tests-" + Guid.NewGuid().ToString("N")[..10]);

    public string SqliteFile => System.IO.Path.Combine(Path, "swarm.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>A fresh PostgreSQL database created from SWARM_TEST_POSTGRES and dropped at dispose.</summary>
internal sealed class TempPostgresDatabase : IAsyncDisposable
{
    private readonly string _adminConnectionString;

    private TempPostgresDatabase(string adminConnectionString, string name, string connectionString)
    {
        _adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<TempPostgresDatabase> CreateAsync()
    {
        var admin = TestEnvironment.PostgresConnectionString;
        var name = "swarm_t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TempPostgresDatabase(admin, name, builder.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
