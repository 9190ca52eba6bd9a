using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using SwarmCluster.Hosting;
using SwarmCluster.Hosting.Storage;

namespace SwarmCluster.Silo.Tests;

public class SchemaMigratorTests
{
    /// <summary>The grain storage provider's four queries and the reminder provider's seven.</summary>
    public static readonly string[] QueryKeys =
    [
        "ClearStorageKey", "DeleteReminderRowKey", "DeleteReminderRowsKey", "DeleteStorageKey", "ReadFromStorageKey", "ReadRangeRows1Key",
        "ReadRangeRows2Key", "ReadReminderRowKey", "ReadReminderRowsKey", "UpsertReminderRowKey", "WriteToStorageKey",
    ];

    [Fact]
    public void Migrations_are_embedded_for_both_providers()
    {
        foreach (var provider in Enum.GetValues<StorageProvider>())
        {
            var migrations = SchemaMigrator.GetMigrations(provider);
            Assert.NotEmpty(migrations);
            Assert.Equal(1, migrations[0].Version);
            Assert.Equal(migrations.Count, migrations.Select(m => m.Version).Distinct().Count());
        }
    }

    [Fact]
    public async Task Sqlite_fresh_then_idempotent()
    {
        using var dir = new TempDirectory();
        // A missing parent directory is created by the migrator.
        var cs = SwarmClusterHosting.BuildSqliteConnectionString(Path.Combine(dir.Path, "nested", "swarm.db"));

        Assert.Equal(SchemaMigrator.GetMigrations(StorageProvider.Sqlite).Count, await SchemaMigrator.MigrateAsync(StorageProvider.Sqlite, cs));
        Assert.Equal(0, await SchemaMigrator.MigrateAsync(StorageProvider.Sqlite, cs));

        await using var connection = new SqliteConnection(cs);
        await connection.OpenAsync();
        Assert.Equal("wal", await ScalarAsync(connection, "PRAGMA journal_mode"));
        Assert.Equal(QueryKeys, await ListAsync(connection, "SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey"));
        Assert.Equal(
            SchemaMigrator.GetMigrations(StorageProvider.Sqlite).Select(m => m.Version.ToString()),
            await ListAsync(connection, $"SELECT version FROM {SchemaMigrator.VersionTable} ORDER BY version"));
    }

    [Fact]
    public async Task Sqlite_concurrent_migrators_apply_once()
    {
        using var dir = new TempDirectory();
        var cs = SwarmClusterHosting.BuildSqliteConnectionString(dir.SqliteFile);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => SchemaMigrator.MigrateAsync(StorageProvider.Sqlite, cs))));

        Assert.Equal(SchemaMigrator.GetMigrations(StorageProvider.Sqlite).Count, results.Sum());
        await using var connection = new SqliteConnection(cs);
        await connection.OpenAsync();
        Assert.Equal(QueryKeys, await ListAsync(connection, "SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey"));
    }

    [Fact]
    public async Task Postgres_fresh_then_idempotent()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();

        Assert.Equal(SchemaMigrator.GetMigrations(StorageProvider.PostgreSql).Count, await SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, db.ConnectionString));
        Assert.Equal(0, await SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, db.ConnectionString));

        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal(QueryKeys, await ListAsync(connection, "SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey"));
    }

    [Fact]
    public async Task Postgres_concurrent_migrators_apply_once()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, db.ConnectionString))));

        Assert.Equal(SchemaMigrator.GetMigrations(StorageProvider.PostgreSql).Count, results.Sum());
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal(QueryKeys, await ListAsync(connection, "SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey"));
    }

    internal static async Task<string?> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (await command.ExecuteScalarAsync())?.ToString();
    }

    internal static async Task<List<string>> ListAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return values;
    }
}
