using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Orleans.Storage;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Grains;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Hosting.Storage;

/// <summary>
/// Memory entries one row each, in the tables migration 003 creates, on the database the grain storage uses; the
/// namespace's fencing epoch is in the table of migration 004. The SQL is the same for both back-ends: unquoted names
/// match SQLite's mixed case and fold to PostgreSQL's lower case.
/// </summary>
public sealed class SqlMemoryEntryStore(StorageProvider provider, string connectionString, Func<string> serviceId) : IMemoryEntryStore
{
    // SQLite writers take turns in process instead of meeting SQLITE_BUSY (see SqliteWriteQueue).
    private readonly SqliteWriteQueue? _writes = provider == StorageProvider.Sqlite ? SqliteWriteQueue.For(connectionString) : null;

    private const string Columns = "ServiceId, GrainKey, EntryKey, ValueJson, MetadataJson, CreatedTicks, UpdatedTicks, ExpiresTicks, SizeBytes, RequestId";
    private const string Values = "@ServiceId, @GrainKey, @EntryKey, @ValueJson, @MetadataJson, @CreatedTicks, @UpdatedTicks, @ExpiresTicks, @SizeBytes, @RequestId";
    private const string Namespace = "ServiceId = @ServiceId AND GrainKey = @GrainKey";

    // The target is named in the SET: PostgreSQL calls a bare column ambiguous there (it could be excluded's).
    private const string ClaimSql =
        "INSERT INTO SwarmMemoryNamespaces (ServiceId, GrainKey, Epoch) VALUES (@ServiceId, @GrainKey, 1) " +
        "ON CONFLICT (ServiceId, GrainKey) DO UPDATE SET Epoch = SwarmMemoryNamespaces.Epoch + 1 RETURNING Epoch";

    // First in every write transaction: it matches one row only while no later activation has claimed the namespace,
    // and on PostgreSQL it also locks that row, so a claim waits until this write has committed (SQLite's BEGIN
    // IMMEDIATE serializes writers anyway).
    private const string FenceSql = $"UPDATE SwarmMemoryNamespaces SET Epoch = Epoch WHERE {Namespace} AND Epoch = @Epoch";

    private const string ClaimExistingSql = $"UPDATE SwarmMemoryNamespaces SET Epoch = Epoch + 1 WHERE {Namespace} RETURNING Epoch";

    // The first write of a namespace nobody had written: epoch 1 is this activation's unless another one got there first.
    private const string ClaimNewSql =
        "INSERT INTO SwarmMemoryNamespaces (ServiceId, GrainKey, Epoch) VALUES (@ServiceId, @GrainKey, 1) ON CONFLICT (ServiceId, GrainKey) DO NOTHING";

    private const string UpsertSql =
        $"INSERT INTO SwarmMemoryEntries ({Columns}) VALUES ({Values}) ON CONFLICT (ServiceId, GrainKey, EntryKey) DO UPDATE SET " +
        "ValueJson = excluded.ValueJson, MetadataJson = excluded.MetadataJson, CreatedTicks = excluded.CreatedTicks, " +
        "UpdatedTicks = excluded.UpdatedTicks, ExpiresTicks = excluded.ExpiresTicks, SizeBytes = excluded.SizeBytes, RequestId = excluded.RequestId";

    private const string ImportSql = $"INSERT INTO SwarmMemoryEntries ({Columns}) VALUES ({Values}) ON CONFLICT (ServiceId, GrainKey, EntryKey) DO NOTHING";

    // Seq numbers a namespace's requests 1, 2, 3 …, so trimming keeps exactly the last RememberedRequests.
    // ("WHERE 1 = 1" lets SQLite parse ON CONFLICT after INSERT … SELECT.)
    private const string RequestSql =
        "INSERT INTO SwarmMemoryRequests (ServiceId, GrainKey, RequestId, EntryKey, StoredTicks, Seq) " +
        "SELECT @ServiceId, @GrainKey, @RequestId, @EntryKey, @StoredTicks, " +
        $"COALESCE((SELECT MAX(Seq) FROM SwarmMemoryRequests WHERE {Namespace}), 0) + 1 WHERE 1 = 1 " +
        "ON CONFLICT (ServiceId, GrainKey, RequestId) DO ";

    private const string TrimRequestsSql =
        $"DELETE FROM SwarmMemoryRequests WHERE {Namespace} AND Seq <= (SELECT MAX(Seq) FROM SwarmMemoryRequests WHERE {Namespace}) - @Keep";

    /// <summary>The store a silo with <paramref name="provider"/> storage on <paramref name="connectionString"/> uses.</summary>
    public SqlMemoryEntryStore(StorageProvider provider, string connectionString, string serviceId)
        : this(provider, connectionString, () => serviceId)
    {
    }

    public Task<MemoryFence> ClaimAsync(string grainKey, bool create = true, CancellationToken cancellationToken = default) =>
        InTurnAsync(() => ClaimCoreAsync(grainKey, create, cancellationToken), cancellationToken);

    private async Task<MemoryFence> ClaimCoreAsync(string grainKey, bool create, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, grainKey, create ? ClaimSql : ClaimExistingSql);
        return new MemoryFence(grainKey, await command.ExecuteScalarAsync(cancellationToken) is { } epoch and not DBNull
            ? Convert.ToInt64(epoch, CultureInfo.InvariantCulture)
            : 0);
    }

    public async Task<MemoryRows> LoadAsync(string grainKey, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var entries = new List<KeyValuePair<string, MemoryRecord>>();
        await using (var command = Command(connection, null, grainKey,
            $"SELECT EntryKey, ValueJson, MetadataJson, CreatedTicks, UpdatedTicks, ExpiresTicks, SizeBytes, RequestId FROM SwarmMemoryEntries WHERE {Namespace}"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                entries.Add(new(reader.GetString(0), new MemoryRecord
                {
                    ValueJson = reader.GetString(1),
                    Metadata = new Dictionary<string, string>(
                        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(2)) ?? [], StringComparer.Ordinal),
                    CreatedAt = FromTicks(reader.GetInt64(3)),
                    UpdatedAt = FromTicks(reader.GetInt64(4)),
                    ExpiresAt = reader.IsDBNull(5) ? null : FromTicks(reader.GetInt64(5)),
                    SizeBytes = reader.GetInt32(6),
                    RequestId = reader.IsDBNull(7) ? null : reader.GetString(7),
                }));
            }
        }

        var requests = new List<MemoryRequestRecord>();
        await using (var command = Command(connection, null, grainKey,
            $"SELECT RequestId, EntryKey, StoredTicks FROM SwarmMemoryRequests WHERE {Namespace} ORDER BY Seq"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                requests.Add(new MemoryRequestRecord { RequestId = reader.GetString(0), Key = reader.GetString(1), StoredAt = FromTicks(reader.GetInt64(2)) });
            }
        }

        return new MemoryRows(entries, requests);
    }

    public Task<MemoryFence> WriteAsync(MemoryFence fence, MemoryRowChanges changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fence);
        ArgumentNullException.ThrowIfNull(changes);
        return changes.IsEmpty ? Task.FromResult(fence) : InTurnAsync(() => WriteCoreAsync(fence, changes, cancellationToken), cancellationToken);
    }

    private async Task<MemoryFence> WriteCoreAsync(MemoryFence fence, MemoryRowChanges changes, CancellationToken cancellationToken)
    {
        var grainKey = fence.GrainKey;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginAsync(connection, cancellationToken);
        await CheckFenceAsync(connection, transaction, fence, cancellationToken);
        if (changes.DeleteAll)
        {
            await ExecuteAsync(Command(connection, transaction, grainKey, $"DELETE FROM SwarmMemoryEntries WHERE {Namespace}"), cancellationToken);
        }

        foreach (var key in changes.Deletes)
        {
            var delete = Command(connection, transaction, grainKey, $"DELETE FROM SwarmMemoryEntries WHERE {Namespace} AND EntryKey = @EntryKey");
            Add(delete, "EntryKey", key);
            await ExecuteAsync(delete, cancellationToken);
        }

        foreach (var upsert in changes.Upserts)
        {
            await ExecuteAsync(EntryCommand(connection, transaction, grainKey, UpsertSql, upsert.Key, upsert.Record), cancellationToken);
        }

        await WriteRequestsAsync(connection, transaction, grainKey, changes.Requests, "UPDATE SET EntryKey = excluded.EntryKey, StoredTicks = excluded.StoredTicks, Seq = excluded.Seq", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Claimed(fence);
    }

    public Task<MemoryFence> ImportAsync(MemoryFence fence, IReadOnlyDictionary<string, MemoryRecord> entries, IReadOnlyList<MemoryRequestRecord> requests,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fence);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(requests);
        return InTurnAsync(() => ImportCoreAsync(fence, entries, requests, cancellationToken), cancellationToken);
    }

    private async Task<MemoryFence> ImportCoreAsync(MemoryFence fence, IReadOnlyDictionary<string, MemoryRecord> entries, IReadOnlyList<MemoryRequestRecord> requests,
        CancellationToken cancellationToken)
    {
        var grainKey = fence.GrainKey;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginAsync(connection, cancellationToken);
        await CheckFenceAsync(connection, transaction, fence, cancellationToken);
        foreach (var (key, record) in entries)
        {
            await ExecuteAsync(EntryCommand(connection, transaction, grainKey, ImportSql, key, record), cancellationToken);
        }

        await WriteRequestsAsync(connection, transaction, grainKey, requests, "NOTHING", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Claimed(fence);
    }

    private Task<MemoryFence> InTurnAsync(Func<Task<MemoryFence>> write, CancellationToken cancellationToken) =>
        _writes is null ? write() : _writes.RunAsync(write, cancellationToken);

    private static MemoryFence Claimed(MemoryFence fence) => fence.Epoch == 0 ? fence with { Epoch = 1 } : fence;

    /// <summary>Throws (the caller's transaction then rolls back at dispose) unless <paramref name="fence"/> is still the namespace's epoch.</summary>
    private async Task CheckFenceAsync(DbConnection connection, DbTransaction transaction, MemoryFence fence, CancellationToken cancellationToken)
    {
        await using var check = Command(connection, transaction, fence.GrainKey, fence.Epoch == 0 ? ClaimNewSql : FenceSql);
        if (fence.Epoch != 0)
        {
            Add(check, "Epoch", fence.Epoch);
        }

        if (await check.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return;
        }

        await using var current = Command(connection, transaction, fence.GrainKey, $"SELECT Epoch FROM SwarmMemoryNamespaces WHERE {Namespace}");
        var stored = await current.ExecuteScalarAsync(cancellationToken) is { } epoch and not DBNull
            ? Convert.ToInt64(epoch, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)
            : "none";
        throw new InconsistentStateException(
            $"Memory namespace '{fence.GrainKey}' was claimed by a later activation (epoch {stored}, this one holds {fence.Epoch}); nothing was written.",
            stored, fence.Epoch.ToString(CultureInfo.InvariantCulture));
    }

    private async Task WriteRequestsAsync(DbConnection connection, DbTransaction transaction, string grainKey, IReadOnlyList<MemoryRequestRecord> requests,
        string onConflict, CancellationToken cancellationToken)
    {
        if (requests.Count == 0)
        {
            return;
        }

        foreach (var request in requests)
        {
            var insert = Command(connection, transaction, grainKey, RequestSql + onConflict);
            Add(insert, "RequestId", request.RequestId);
            Add(insert, "EntryKey", request.Key);
            Add(insert, "StoredTicks", request.StoredAt.UtcTicks);
            await ExecuteAsync(insert, cancellationToken);
        }

        var trim = Command(connection, transaction, grainKey, TrimRequestsSql);
        Add(trim, "Keep", (long)MemoryLimits.RememberedRequests);
        await ExecuteAsync(trim, cancellationToken);
    }

    private DbCommand EntryCommand(DbConnection connection, DbTransaction transaction, string grainKey, string sql, string key, MemoryRecord record)
    {
        var command = Command(connection, transaction, grainKey, sql);
        Add(command, "EntryKey", key);
        Add(command, "ValueJson", record.ValueJson);
        Add(command, "MetadataJson", JsonSerializer.Serialize(record.Metadata));
        Add(command, "CreatedTicks", record.CreatedAt.UtcTicks);
        Add(command, "UpdatedTicks", record.UpdatedAt.UtcTicks);
        Add(command, "ExpiresTicks", record.ExpiresAt?.UtcTicks, DbType.Int64);
        Add(command, "SizeBytes", record.SizeBytes);
        Add(command, "RequestId", record.RequestId, DbType.String);
        return command;
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = StorageConnections.Create(provider, connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (provider == StorageProvider.Sqlite)
            {
                // Per connection, as the grain storage's queries do (WAL keeps it durable up to the last checkpoint).
                await using var pragma = connection.CreateCommand();
                pragma.CommandText = "PRAGMA synchronous = NORMAL";
                await pragma.ExecuteNonQueryAsync(cancellationToken);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // SQLite: BEGIN IMMEDIATE takes the write lock up front instead of failing to upgrade a read lock later.
    private static async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection is SqliteConnection sqlite ? sqlite.BeginTransaction(deferred: false) : await connection.BeginTransactionAsync(cancellationToken);

    private DbCommand Command(DbConnection connection, DbTransaction? transaction, string grainKey, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        Add(command, "ServiceId", serviceId());
        Add(command, "GrainKey", grainKey);
        return command;
    }

    private static async Task ExecuteAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static void Add(DbCommand command, string name, object? value, DbType? type = null)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        if (type is { } t)
        {
            parameter.DbType = t;
        }

        command.Parameters.Add(parameter);
    }

    private static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);
}
