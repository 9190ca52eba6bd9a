using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Grains;
using SwarmCluster.Grains.State;
using SwarmCluster.Hosting;
using SwarmCluster.Hosting.Storage;
using Database = SwarmCluster.Silo.Tests.MemoryEntryRowsTests.Database;

namespace SwarmCluster.Silo.Tests;

/// <summary>
/// SQLite writers of one database take turns in process (<see cref="SqliteWriteQueue"/>) rather than meeting
/// SQLITE_BUSY and Microsoft.Data.Sqlite's 150 ms retry sleep: grain state and memory entries both wait for the
/// write before theirs, and only for it.
/// </summary>
public class SqliteWriteQueueTests
{
    // Long enough for an unqueued SQLite write to finish many times over; a queued one never finishes while held.
    private static readonly TimeSpan Held = TimeSpan.FromMilliseconds(500);

    [Fact]
    public void Every_spelling_of_one_file_shares_its_queue()
    {
        using var dir = new TempDirectory();
        var file = dir.SqliteFile;
        var queue = SqliteWriteQueue.For(SwarmClusterHosting.BuildSqliteConnectionString(file));

        Assert.Same(queue, SqliteWriteQueue.For($"Data Source={Path.Combine(dir.Path, ".", "swarm.db")};Pooling=False"));
        Assert.NotSame(queue, SqliteWriteQueue.For(SwarmClusterHosting.BuildSqliteConnectionString(Path.Combine(dir.Path, "other.db"))));
    }

    [Fact]
    public async Task A_write_starts_when_the_one_before_it_ends_even_if_that_one_failed()
    {
        using var dir = new TempDirectory();
        var queue = SqliteWriteQueue.For(SwarmClusterHosting.BuildSqliteConnectionString(dir.SqliteFile));
        var release = new TaskCompletionSource();
        var first = queue.RunAsync(async () =>
        {
            await release.Task;
            throw new InvalidOperationException("the first write failed");
        });
        var secondStarted = false;
        var second = queue.RunAsync(() =>
        {
            secondStarted = true;
            return Task.FromResult(2);
        });

        await Task.Delay(Held);
        Assert.False(secondStarted);
        release.SetResult();
        await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        Assert.Equal(2, await second);
    }

    [Fact]
    public async Task Grain_state_writes_on_sqlite_take_their_turn()
    {
        using var dir = new TempDirectory();
        var settings = SiloHost.Settings(TestEnvironment.UniqueId("turns"), dir.Path);
        await using var silo = await SiloHost.StartAsync(SiloRole.Worker, settings);
        var counter = silo.Grains.GetGrain<ICounterGrain>("counter-turns");
        await counter.Add(1);

        var add = await WhileHeldAsync(dir.SqliteFile, () => counter.Add(2));

        Assert.Equal(3, (await add).Value);
        await counter.Deactivate();
        Assert.Equal(3, (await counter.Get()).Value); // the write that waited is in the database
    }

    [Fact]
    public async Task Memory_entry_writes_on_sqlite_take_their_turn()
    {
        await using var db = await Database.CreateAsync(StorageProvider.Sqlite);
        await SchemaMigrator.MigrateAsync(StorageProvider.Sqlite, db.ConnectionString);
        var store = new SqlMemoryEntryStore(StorageProvider.Sqlite, db.ConnectionString, db.Settings["SwarmCluster:ServiceId"]!);
        var key = GrainKeys.Memory("turns");
        var now = DateTimeOffset.UtcNow;
        var changes = new MemoryRowChanges(false, [], [new MemoryRowUpsert("k", new MemoryRecord { ValueJson = "1", CreatedAt = now, UpdatedAt = now, SizeBytes = 1 })], []);

        var fence = await await WhileHeldAsync(db.SqliteFile, () => store.ClaimAsync(key));
        await await WhileHeldAsync(db.SqliteFile, () => store.WriteAsync(fence, changes));

        Assert.Equal([("k", "1")], (await db.RowsAsync(key)).Select(r => (r.EntryKey, r.ValueJson)));
    }

    /// <summary>Starts <paramref name="write"/> while the file's turn is held elsewhere, checks it waits, then lets it go.</summary>
    private static async Task<Task<T>> WhileHeldAsync<T>(string sqliteFile, Func<Task<T>> write)
    {
        var queue = SqliteWriteQueue.For(SwarmClusterHosting.BuildSqliteConnectionString(sqliteFile));
        var release = new TaskCompletionSource();
        var holding = new TaskCompletionSource();
        var holder = queue.RunAsync(async () =>
        {
            holding.SetResult();
            await release.Task;
        });
        await holding.Task;
        var waiting = write();
        await Task.Delay(Held);
        Assert.False(waiting.IsCompleted, "the write finished while another write held the database's turn");
        release.SetResult();
        await holder;
        return waiting;
    }
}
