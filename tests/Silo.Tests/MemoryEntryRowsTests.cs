using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Storage;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Grains.State;
using SwarmCluster.Hosting;
using SwarmCluster.Hosting.Storage;

namespace SwarmCluster.Silo.Tests;

/// <summary>
/// Memory namespaces stored one row per entry, through a production-configured silo on SQLite and on PostgreSQL: what
/// survives a restart, what one write changes in the table, and the move out of an old whole-namespace state row.
/// </summary>
public class MemoryEntryRowsTests
{
    public static TheoryData<StorageProvider> Providers => new() { StorageProvider.Sqlite, StorageProvider.PostgreSql };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Entries_survive_a_silo_restart_as_rows(StorageProvider provider)
    {
        await using var db = await Database.CreateAsync(provider);
        var ns = "restart-" + Guid.NewGuid().ToString("n")[..8];
        var key = GrainKeys.Memory(ns);
        await using (var silo = await SiloHost.StartAsync(SiloRole.Worker, db.Settings))
        {
            var memory = silo.Grains.GetGrain<IMemoryGrain>(key);
            Assert.True((await memory.Store(new MemoryWrite("durable", """{"v":1}""", new Dictionary<string, string> { ["m"] = "x" }, Persist: true)
                { RequestId = "req-durable" })).Durable);
            await memory.Store(new MemoryWrite("plain", "\"behind\""));
            await memory.Store(new MemoryWrite("gone", "0", Persist: true));
            Assert.True(await memory.Delete("gone"));
            await memory.Store(new MemoryWrite("short", "1", TtlSeconds: 3600));
            // No flush: stopping the silo writes the pending rows (deactivation).
        }

        Assert.Equal(["durable", "plain", "short"], (await db.RowsAsync(key)).Select(r => r.EntryKey));

        await using (var silo = await SiloHost.StartAsync(SiloRole.Worker, db.Settings))
        {
            var memory = silo.Grains.GetGrain<IMemoryGrain>(key);
            var durable = (await memory.Retrieve("durable"))!;
            Assert.Equal(("""{"v":1}""", "x", true), (durable.ValueJson, durable.Metadata["m"], durable.Durable));
            Assert.Equal("\"behind\"", (await memory.Retrieve("plain"))!.ValueJson);
            Assert.Null(await memory.Retrieve("gone"));
            var ttl = (await memory.Retrieve("short"))!;
            Assert.Equal(ttl.UpdatedAt.AddSeconds(3600), ttl.ExpiresAt);

            // The request id came back with its entry: a repeat answers the stored entry instead of writing again.
            var replay = await memory.Store(new MemoryWrite("durable", "\"other\"", Persist: true) { RequestId = "req-durable" });
            Assert.True(replay.Replayed);
            Assert.Equal("""{"v":1}""", replay.ValueJson);
            var stats = await memory.GetStats();
            Assert.Equal((3, 3, 0), (stats.Entries, stats.DurableEntries, stats.PendingWrites));
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_write_changes_only_its_own_rows(StorageProvider provider)
    {
        await using var db = await Database.CreateAsync(provider);
        var key = GrainKeys.Memory("rows-" + Guid.NewGuid().ToString("n")[..8]);
        await using var silo = await SiloHost.StartAsync(SiloRole.Worker, db.Settings);
        var memory = silo.Grains.GetGrain<IMemoryGrain>(key);
        for (var i = 0; i < 40; i++)
        {
            await memory.Store(new MemoryWrite($"k{i:00}", $"{i}"));
        }

        await memory.Flush();
        Assert.Equal(40, (await db.RowsAsync(key)).Count);

        // Mark every row behind the grain's back: a write that rewrote the namespace would overwrite the marks.
        await db.ExecuteAsync("UPDATE SwarmMemoryEntries SET ValueJson = '\"mark\"'");
        var persisted = await memory.Store(new MemoryWrite("k07", "\"persisted\"", Persist: true) { RequestId = "req-7" });
        Assert.True(persisted.Durable);
        var rows = await db.RowsAsync(key);
        Assert.Equal(40, rows.Count);
        Assert.Equal([("k07", "\"persisted\"", "req-7")], rows.Where(r => r.ValueJson != "\"mark\"").Select(r => (r.EntryKey, r.ValueJson, r.RequestId)));

        // Written behind: one upsert and one delete, nothing else.
        await memory.Store(new MemoryWrite("k12", "\"plain\""));
        Assert.True(await memory.Delete("k30"));
        await memory.Flush();
        rows = await db.RowsAsync(key);
        Assert.Equal(39, rows.Count);
        Assert.DoesNotContain(rows, r => r.EntryKey == "k30");
        Assert.Equal([("k07", "\"persisted\""), ("k12", "\"plain\"")],
            rows.Where(r => r.ValueJson != "\"mark\"").Select(r => (r.EntryKey, r.ValueJson)));

        // The namespace's state row holds no entries, so it does not grow with them.
        Assert.DoesNotContain("k12", await db.StateTextAsync(key));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_namespace_in_an_old_state_row_moves_to_entry_rows(StorageProvider provider)
    {
        await using var db = await Database.CreateAsync(provider);
        var key = GrainKeys.Memory("old-" + Guid.NewGuid().ToString("n")[..8]);
        var created = DateTimeOffset.UtcNow.AddDays(-2);
        var old = new MemoryGrainState { Registered = true, LastWrite = created };
        for (var i = 0; i < 25; i++)
        {
            old.Entries[$"e{i:00}"] = new MemoryRecord
            {
                ValueJson = $$"""{"old":{{i}}}""", Metadata = new(StringComparer.Ordinal) { ["n"] = $"{i}" },
                CreatedAt = created, UpdatedAt = created.AddMinutes(i), SizeBytes = $$"""{"old":{{i}}}""".Length,
            };
        }

        old.Requests.Add(new MemoryRequestRecord { RequestId = "old-req", Key = "e03", StoredAt = created });

        await using (var silo = await SiloHost.StartAsync(SiloRole.Worker, db.Settings))
        {
            // Written the way the previous version wrote it: the whole namespace in the grain's state row, as JSON.
            await WriteOldStateAsync(silo, db, key, old);
            Assert.Contains("\"$type\"", await db.StateTextAsync(key));
            Assert.Contains("e05", await db.StateTextAsync(key));
            // A crash after the rows were inserted but before the state row was emptied: some rows already exist.
            var entryStore = silo.Host.Services.GetRequiredService<SwarmCluster.Grains.IMemoryEntryStore>();
            await entryStore.ImportAsync(await entryStore.ClaimAsync(key), old.Entries.Where(e => string.CompareOrdinal(e.Key, "e10") < 0).ToDictionary(), old.Requests);

            var memory = silo.Grains.GetGrain<IMemoryGrain>(key);
            var listing = await memory.List(null, 100);
            Assert.Equal(25, listing.Total);
            var e05 = listing.Entries.Single(e => e.Key == "e05");
            Assert.Equal(("""{"old":5}""", "5", created, created.AddMinutes(5), true), (e05.ValueJson, e05.Metadata["n"], e05.CreatedAt, e05.UpdatedAt, e05.Durable));
            Assert.True((await memory.Store(new MemoryWrite("e03", "1") { RequestId = "old-req" })).Replayed);
        }

        var rows = await db.RowsAsync(key);
        Assert.Equal(old.Entries.Keys.Order(StringComparer.Ordinal), rows.Select(r => r.EntryKey));
        Assert.All(rows, r => Assert.Equal(old.Entries[r.EntryKey].ValueJson, r.ValueJson));
        Assert.DoesNotContain("e05", await db.StateTextAsync(key));
        Assert.True(GrainStateFormat.IsBinary(await db.StatePayloadAsync(key))); // rewritten in the current format

        // Activating again (the move done) changes nothing.
        await using (var silo = await SiloHost.StartAsync(SiloRole.Worker, db.Settings))
        {
            Assert.Equal(25, (await silo.Grains.GetGrain<IMemoryGrain>(key).GetStats()).Entries);
        }

        Assert.Equal(25, (await db.RowsAsync(key)).Count);
    }

    /// <summary>Stores the row through the provider, then puts in its payload as versions before the binary format wrote it.</summary>
    private static async Task WriteOldStateAsync(SiloHost silo, Database db, string key, MemoryGrainState old)
    {
        var storage = silo.Host.Services.GetRequiredKeyedService<IGrainStorage>(SwarmStorage.ProviderName);
        await storage.WriteStateAsync("memory", GrainId.Create("memory", key), new GrainState<MemoryGrainState>(old));
        var json = silo.Host.Services.GetRequiredService<IGrainStorageSerializer>(); // the provider's default: Newtonsoft
        await db.SetStatePayloadAsync(key, json.Serialize(old).ToArray());
    }

    internal sealed record Row(string EntryKey, string ValueJson, string? RequestId);

    /// <summary>A fresh SQLite file or PostgreSQL database and the silo settings that use it.</summary>
    internal sealed class Database : IAsyncDisposable
    {
        private readonly TempDirectory _directory = new();
        private TempPostgresDatabase? _postgres;

        public StorageProvider Provider { get; private init; }

        public Dictionary<string, string?> Settings { get; private set; } = [];

        public static async Task<Database> CreateAsync(StorageProvider provider)
        {
            var db = new Database { Provider = provider };
            db._postgres = provider == StorageProvider.PostgreSql ? await TempPostgresDatabase.CreateAsync() : null;
            db.Settings = SiloHost.Settings(TestEnvironment.UniqueId("memrows"), db._directory.Path);
            db.Settings["SwarmCluster:Storage"] = provider.ToString();
            db.Settings["SwarmCluster:PostgresConnectionString"] = db._postgres?.ConnectionString;
            return db;
        }

        /// <summary>The SQLite database file (when the provider is SQLite).</summary>
        public string SqliteFile => _directory.SqliteFile;

        /// <summary>The storage connection string the silo settings name.</summary>
        public string ConnectionString => Provider == StorageProvider.Sqlite
            ? SwarmClusterHosting.BuildSqliteConnectionString(_directory.SqliteFile)
            : _postgres!.ConnectionString;

        private DbConnection Connection() => Provider == StorageProvider.Sqlite
            ? new SqliteConnection(SwarmClusterHosting.BuildSqliteConnectionString(_directory.SqliteFile))
            : new NpgsqlConnection(_postgres!.ConnectionString);

        public async Task<int> ExecuteAsync(string sql)
        {
            await using var connection = Connection();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return await command.ExecuteNonQueryAsync();
        }

        public async Task<List<Row>> RowsAsync(string grainKey)
        {
            await using var connection = Connection();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT EntryKey, ValueJson, RequestId FROM SwarmMemoryEntries WHERE GrainKey = @key ORDER BY EntryKey";
            var key = command.CreateParameter();
            key.ParameterName = "key";
            key.Value = grainKey;
            command.Parameters.Add(key);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<Row>();
            while (await reader.ReadAsync())
            {
                rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }

            // Ordinal order on both back-ends (PostgreSQL's ORDER BY follows its collation).
            return rows.OrderBy(r => r.EntryKey, StringComparer.Ordinal).ToList();
        }

        /// <summary>The payload of the grain's state row.</summary>
        public async Task<byte[]> StatePayloadAsync(string grainKey)
        {
            await using var connection = Connection();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT PayloadBinary FROM SwarmGrainState WHERE GrainIdExtensionString = @key";
            AddParameter(command, "key", grainKey);
            return (byte[])(await command.ExecuteScalarAsync())!;
        }

        /// <summary>The payload as text (JSON, or binary whose strings are UTF-8 too).</summary>
        public async Task<string> StateTextAsync(string grainKey) => System.Text.Encoding.UTF8.GetString(await StatePayloadAsync(grainKey));

        public async Task SetStatePayloadAsync(string grainKey, byte[] payload)
        {
            await using var connection = Connection();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE SwarmGrainState SET PayloadBinary = @payload WHERE GrainIdExtensionString = @key";
            AddParameter(command, "key", grainKey);
            AddParameter(command, "payload", payload);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        private static void AddParameter(DbCommand command, string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        public async ValueTask DisposeAsync()
        {
            if (_postgres is not null)
            {
                await _postgres.DisposeAsync();
            }

            _directory.Dispose();
        }
    }
}
