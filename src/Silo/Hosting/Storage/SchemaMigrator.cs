using System.Data.Common;
using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace SwarmCluster.Hosting.Storage;

/// <summary>
/// Applies the numbered SQL scripts embedded under Storage/Sql/{sqlite,postgres}/ that the database has not
/// seen yet, recording each in <c>swarm_schema_version</c>. Safe to run from many silos at once: PostgreSQL
/// serializes migrators with a transaction-scoped advisory lock, SQLite with an IMMEDIATE (write) transaction.
/// </summary>
public static class SchemaMigrator
{
    /// <summary>Name of the table that records applied migrations.</summary>
    public const string VersionTable = "swarm_schema_version";

    // Arbitrary constant shared by every migrator of this schema ("swarmsch" in ASCII).
    private const long PostgresLockKey = 0x737761726d736368;

    private const string VersionTableDdl =
        "CREATE TABLE IF NOT EXISTS " + VersionTable +
        " (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_on text NOT NULL)";

    /// <summary>Applies pending migrations; returns how many were applied (0 when up to date).</summary>
    public static Task<int> MigrateAsync(StorageProvider provider, string connectionString, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return provider switch
        {
            StorageProvider.Sqlite => MigrateSqliteAsync(connectionString, ct),
            StorageProvider.PostgreSql => MigratePostgresAsync(connectionString, ct),
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown storage provider."),
        };
    }

    /// <summary>The migrations shipped in this build, in order.</summary>
    public static IReadOnlyList<Migration> GetMigrations(StorageProvider provider)
    {
        var folder = provider switch
        {
            StorageProvider.Sqlite => "sqlite",
            StorageProvider.PostgreSql => "postgres",
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown storage provider."),
        };
        var prefix = $"Sql/{folder}/";
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[prefix.Length..^".sql".Length];
            var underscore = name.IndexOf('_');
            if (underscore <= 0 || !int.TryParse(name[..underscore], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"Migration resource '{resource}' must be named NNN_description.sql.");
            }

            migrations.Add(new Migration(version, name, ReadResource(assembly, resource)));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new InvalidOperationException($"Duplicate migration version {migrations[i].Version} for {folder}.");
            }
        }

        return migrations;
    }

    private static async Task<int> MigrateSqliteAsync(string connectionString, CancellationToken ct)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var file = builder.DataSource;
        if (!string.IsNullOrEmpty(file) && file != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);

        // WAL lets readers run beside the single writer and is stored in the file, so set it once here.
        // It cannot change inside a transaction, hence before BEGIN.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", ct);

        // BEGIN IMMEDIATE takes the write lock up front: a second migrator waits (busy timeout) and then
        // sees the versions the first one recorded.
        await using var transaction = connection.BeginTransaction(deferred: false);
        var applied = await ApplyPendingAsync(connection, transaction, StorageProvider.Sqlite, ct);
        await transaction.CommitAsync(ct);
        return applied;
    }

    private static async Task<int> MigratePostgresAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);

        // DDL is transactional in PostgreSQL: one transaction covers every pending script, and the advisory
        // lock (released at commit/rollback) keeps concurrent silos from racing on CREATE TABLE.
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PostgresLockKey})", ct);
        var applied = await ApplyPendingAsync(connection, transaction, StorageProvider.PostgreSql, ct);
        await transaction.CommitAsync(ct);
        return applied;
    }

    private static async Task<int> ApplyPendingAsync(DbConnection connection, DbTransaction transaction, StorageProvider provider, CancellationToken ct)
    {
        await ExecuteAsync(connection, transaction, VersionTableDdl, ct);

        var done = new HashSet<int>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = $"SELECT version FROM {VersionTable}";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                done.Add(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture));
            }
        }

        var applied = 0;
        foreach (var migration in GetMigrations(provider))
        {
            if (done.Contains(migration.Version))
            {
                continue;
            }

            try
            {
                await ExecuteAsync(connection, transaction, migration.Sql, ct);
            }
            catch (DbException ex)
            {
                throw new InvalidOperationException($"Schema migration {provider}/{migration.Name} failed: {ex.Message}", ex);
            }

            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = $"INSERT INTO {VersionTable} (version, name, applied_on) VALUES (@version, @name, @appliedOn)";
            AddParameter(record, "version", migration.Version);
            AddParameter(record, "name", migration.Name);
            AddParameter(record, "appliedOn", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            await record.ExecuteNonQueryAsync(ct);
            applied++;
        }

        return applied;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.CommandTimeout = 120;
        await command.ExecuteNonQueryAsync(ct);
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded migration '{name}' is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>One numbered schema script.</summary>
/// <param name="Version">The number the file name starts with.</param>
/// <param name="Name">The file name without extension, e.g. <c>001_grain_storage</c>.</param>
/// <param name="Sql">The script text.</param>
public sealed record Migration(int Version, string Name, string Sql);
