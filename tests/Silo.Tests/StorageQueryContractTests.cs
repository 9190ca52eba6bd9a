using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using SwarmCluster.Hosting;
using SwarmCluster.Hosting.Storage;

namespace SwarmCluster.Silo.Tests;

/// <summary>
/// Runs the stored OrleansQuery texts the way Orleans' ADO.NET provider does (same parameter names and
/// DbTypes, rows read across all result sets) and checks the version contract the provider relies on:
/// a write returns exactly one NewGrainStateVersion, equal to the caller's version on conflict.
/// </summary>
public class StorageQueryContractTests
{
    public static TheoryData<StorageProvider> Providers => new() { StorageProvider.Sqlite, StorageProvider.PostgreSql };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Write_read_clear_delete_follow_the_version_contract(StorageProvider provider)
    {
        await using var store = await Store.CreateAsync(provider);
        var key = new Key(ExtensionString: "swarm-1");

        Assert.Empty(await store.ReadAsync(key));
        Assert.Equal(1, await store.WriteAsync(key, null, [1]));          // first write
        Assert.Null(await store.WriteAsync(key, null, [9]));              // second "first write": conflict (null back)
        Assert.Equal(2, await store.WriteAsync(key, 1, [2]));             // expected version → new version
        Assert.Equal(1, await store.WriteAsync(key, 1, [9]));             // stale version → caller's version back

        var row = Assert.Single(await store.ReadAsync(key));
        Assert.Equal(new byte[] { 2 }, row.Payload);
        Assert.Equal(2, row.Version);

        Assert.Equal("1", await store.ClearAsync(key, 1));                // stale clear → caller's version back
        Assert.Equal("3", await store.ClearAsync(key, 2));                // clear keeps the row, drops the payload
        row = Assert.Single(await store.ReadAsync(key));
        Assert.Null(row.Payload);
        Assert.Equal(3, row.Version);

        Assert.Equal("2", await store.DeleteAsync(key, 2));               // stale delete → caller's version back
        Assert.Equal("4", await store.DeleteAsync(key, 3));               // deleted version + 1
        Assert.Empty(await store.ReadAsync(key));
        Assert.Equal(3, await store.WriteAsync(key, 3, [9]));             // stale version on a missing row: conflict
        Assert.Empty(await store.ReadAsync(key));
        Assert.Equal(1, await store.WriteAsync(key, null, [5]));          // after delete, a first write starts again
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Rows_are_keyed_by_service_type_id_and_extension(StorageProvider provider)
    {
        await using var store = await Store.CreateAsync(provider);
        var keys = new[]
        {
            new Key(),
            new Key(ExtensionString: "ext"),
            new Key(N0: 7),
            new Key(N1: 7),
            new Key(ServiceId: "other-service"),
            new Key(TypeString: "Other.Grain"),
        };

        foreach (var key in keys)
        {
            Assert.Equal(1, await store.WriteAsync(key, null, [(byte)Array.IndexOf(keys, key)]));
        }

        foreach (var key in keys)
        {
            var row = Assert.Single(await store.ReadAsync(key));
            Assert.Equal(new[] { (byte)Array.IndexOf(keys, key) }, row.Payload);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Racing_writers_with_the_same_version_have_one_winner(StorageProvider provider)
    {
        await using var store = await Store.CreateAsync(provider);
        var key = new Key(ExtensionString: "race");

        var firsts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => store.WriteAsync(key, null, [(byte)i]))));
        Assert.Equal(1, firsts.Count(v => v == 1));
        Assert.Equal(7, firsts.Count(v => v is null));

        var updates = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => store.WriteAsync(key, 1, [(byte)i]))));
        Assert.Equal(1, updates.Count(v => v == 2));
        Assert.Equal(7, updates.Count(v => v == 1));
        Assert.Equal(2, Assert.Single(await store.ReadAsync(key)).Version);
    }

    internal sealed record Key(string ServiceId = "svc", string TypeString = "Tests.Grain", long N0 = 0, long N1 = 0, string? ExtensionString = null)
    {
        public int TypeHash => TypeString.GetHashCode(StringComparison.Ordinal) & 0x7fff;
        public int IdHash => HashCode.Combine(N0, N1, ExtensionString) & 0x7fff;
    }

    internal sealed record Row(byte[]? Payload, int? Version);

    internal sealed class Store : IAsyncDisposable
    {
        private readonly Func<DbConnection> _connect;
        private readonly Dictionary<string, string> _queries;
        private readonly IAsyncDisposable? _owner;

        private Store(Func<DbConnection> connect, Dictionary<string, string> queries, IAsyncDisposable? owner)
        {
            _connect = connect;
            _queries = queries;
            _owner = owner;
        }

        public static async Task<Store> CreateAsync(StorageProvider provider)
        {
            IAsyncDisposable owner;
            string cs;
            Func<DbConnection> connect;
            if (provider == StorageProvider.Sqlite)
            {
                var dir = new TempDirectory();
                owner = new DisposeAction(dir.Dispose);
                cs = SwarmClusterHosting.BuildSqliteConnectionString(dir.SqliteFile);
                connect = () => new SqliteConnection(cs);
            }
            else
            {
                var db = await TempPostgresDatabase.CreateAsync();
                owner = db;
                cs = db.ConnectionString;
                connect = () => new NpgsqlConnection(cs);
            }

            await SchemaMigrator.MigrateAsync(provider, cs);
            var queries = new Dictionary<string, string>();
            await using (var connection = connect())
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                // The exact text the Orleans provider runs at start.
                command.CommandText = "SELECT QueryKey, QueryText FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey' OR QueryKey = 'ReadFromStorageKey' OR QueryKey = 'ClearStorageKey' OR QueryKey = 'DeleteStorageKey'";
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    queries[(string)reader["QueryKey"]] = (string)reader["QueryText"];
                }
            }

            return new Store(connect, queries, owner);
        }

        public async Task<List<Row>> ReadAsync(Key key) => await RunAsync("ReadFromStorageKey", key, null, null, r =>
        {
            var payload = r["PayloadBinary"] is byte[] bytes ? bytes : null;
            var version = r["Version"] is DBNull ? (int?)null : Convert.ToInt32(r["Version"]);
            return new Row(payload, version);
        });

        public async Task<int?> WriteAsync(Key key, int? version, byte[] payload)
        {
            var rows = await RunAsync("WriteToStorageKey", key, version, payload, r => r["NewGrainStateVersion"] is DBNull ? (int?)null : Convert.ToInt32(r["NewGrainStateVersion"]));
            return Assert.Single(rows);
        }

        public async Task<string> ClearAsync(Key key, int? version) => Assert.Single(await RunAsync("ClearStorageKey", key, version, null, r => r.GetValue(0).ToString()!));

        public async Task<string> DeleteAsync(Key key, int? version) => Assert.Single(await RunAsync("DeleteStorageKey", key, version, null, r => r.GetValue(0).ToString()!));

        private async Task<List<T>> RunAsync<T>(string queryKey, Key key, int? version, byte[]? payload, Func<DbDataReader, T> select)
        {
            await using var connection = _connect();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = _queries[queryKey];
            Add(command, "GrainIdHash", key.IdHash, DbType.Int32);
            Add(command, "GrainIdN0", key.N0, DbType.Int64);
            Add(command, "GrainIdN1", key.N1, DbType.Int64);
            Add(command, "GrainTypeHash", key.TypeHash, DbType.Int32);
            Add(command, "GrainTypeString", key.TypeString, DbType.String);
            Add(command, "GrainIdExtensionString", key.ExtensionString, DbType.String);
            Add(command, "ServiceId", key.ServiceId, DbType.String);
            if (queryKey != "ReadFromStorageKey")
            {
                Add(command, "GrainStateVersion", version, DbType.Int32);
            }

            if (queryKey == "WriteToStorageKey")
            {
                Add(command, "PayloadBinary", payload, DbType.Binary);
            }

            var results = new List<T>();
            await using var reader = await command.ExecuteReaderAsync();
            do
            {
                while (await reader.ReadAsync())
                {
                    results.Add(select(reader));
                }
            }
            while (await reader.NextResultAsync());
            return results;
        }

        private static void Add(DbCommand command, string name, object? value, DbType type)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            parameter.DbType = type;
            command.Parameters.Add(parameter);
        }

        public ValueTask DisposeAsync() => _owner?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    private sealed class DisposeAction(Action action) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            action();
            return ValueTask.CompletedTask;
        }
    }
}
