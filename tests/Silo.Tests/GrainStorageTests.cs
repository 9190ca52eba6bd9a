using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using SwarmCluster.Hosting;
using SwarmCluster.Hosting.Storage;

namespace SwarmCluster.Silo.Tests;

/// <summary>The storage contract exercised through a real silo and Orleans' ADO.NET provider.</summary>
public class GrainStorageTests
{
    public static TheoryData<StorageProvider> Providers => new() { StorageProvider.Sqlite, StorageProvider.PostgreSql };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Reminders_are_stored_fire_update_and_unregister(StorageProvider provider)
    {
        using var dir = new TempDirectory();
        await using var pg = provider == StorageProvider.PostgreSql ? await TempPostgresDatabase.CreateAsync() : null;
        var settings = SiloHost.Settings(TestEnvironment.UniqueId("remind"), dir.Path);
        settings["SwarmCluster:Storage"] = provider.ToString();
        settings["SwarmCluster:PostgresConnectionString"] = pg?.ConnectionString;
        settings["SwarmCluster:SupervisionPeriod"] = "00:00:01";

        await using var silo = await SiloHost.StartAsync(SiloRole.Worker, settings);
        var probe = silo.Grains.GetGrain<IReminderProbeGrain>("probe-1");
        await probe.Register("a", TimeSpan.FromSeconds(1));
        await probe.Register("b", TimeSpan.FromSeconds(1));
        await probe.Register("a", TimeSpan.FromSeconds(2)); // an update bumps the row's version
        Assert.Equal(["a", "b"], await probe.Names());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await probe.Ticks() < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "no reminder tick within 30 s");
            await Task.Delay(200);
        }

        await probe.Unregister("a");
        Assert.Equal(["b"], await probe.Names());
        await probe.Unregister("b");
        Assert.Empty(await probe.Names());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task State_survives_deactivation_and_version_conflicts_raise(StorageProvider provider)
    {
        using var dir = new TempDirectory();
        await using var pg = provider == StorageProvider.PostgreSql ? await TempPostgresDatabase.CreateAsync() : null;
        var serviceId = TestEnvironment.UniqueId("store");
        var settings = SiloHost.Settings(serviceId, dir.Path);
        settings["SwarmCluster:Storage"] = provider.ToString();
        settings["SwarmCluster:PostgresConnectionString"] = pg?.ConnectionString;

        // The silo migrates the empty database itself before the storage provider starts.
        await using var silo = await SiloHost.StartAsync(SiloRole.Worker, settings);
        var counter = silo.Grains.GetGrain<ICounterGrain>("counter-1");

        var first = await counter.Get();
        Assert.False(first.RecordExists);
        Assert.Null(first.ETag);

        Assert.Equal("1", (await counter.Add(5)).ETag);
        Assert.Equal("2", (await counter.Add(2)).ETag);

        await counter.Deactivate();
        var reread = await counter.Get();
        Assert.Equal(7, reread.Value);
        Assert.Equal("2", reread.ETag);
        Assert.True(reread.RecordExists);

        // Another writer bumps the row behind the activation's back: its next write must conflict.
        Assert.Equal(1, await ExecuteAsync(provider, settings, pg, "UPDATE SwarmGrainState SET Version = Version + 10 WHERE ServiceId = '" + serviceId + "'"));
        Assert.Equal("InconsistentStateException", await counter.TryAdd(1));

        await counter.Deactivate();
        var fresh = await counter.Get();
        Assert.Equal(7, fresh.Value);
        Assert.Equal("12", fresh.ETag);

        // The row vanishing (stale non-null version, nothing to update) is a conflict too, not a silent insert.
        Assert.Equal(1, await ExecuteAsync(provider, settings, pg, "DELETE FROM SwarmGrainState WHERE ServiceId = '" + serviceId + "'"));
        Assert.Equal("InconsistentStateException", await counter.TryAdd(1));

        await counter.Deactivate();
        await counter.Add(3);
        await counter.Clear();
        await counter.Deactivate();
        var cleared = await counter.Get();
        Assert.Equal(0, cleared.Value);
        Assert.Equal("2", cleared.ETag);
    }

    private static async Task<int> ExecuteAsync(StorageProvider provider, IDictionary<string, string?> settings, TempPostgresDatabase? pg, string sql)
    {
        await using DbConnection connection = provider == StorageProvider.Sqlite
            ? new SqliteConnection(SwarmClusterHosting.BuildSqliteConnectionString(Path.Combine(settings["data-dir"]!, "swarm.db")))
            : new NpgsqlConnection(pg!.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }
}
