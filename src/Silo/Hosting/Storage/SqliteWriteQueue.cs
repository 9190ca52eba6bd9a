using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace SwarmCluster.Hosting.Storage;

/// <summary>
/// The writers of one SQLite database file in this process, taking turns. SQLite admits one write transaction at a
/// time; a second connection that tries gets SQLITE_BUSY, and Microsoft.Data.Sqlite answers that by sleeping 150 ms
/// before it tries again. With 8 concurrent clients a tenth of all calls waited those 150 ms (p90 150–160 ms against
/// a p50 of 4–11 ms), reads included, since they queue behind a grain's stalled write. Here each write waits only
/// for the one before it. The writers that carry tool calls go through here (grain state, memory entries); a data
/// directory has one process (<see cref="DataDirectoryLock"/>). The reminder table's writes (a Queen registering its
/// supervision, rare) do not, so one of those can still meet the retry. Reads need no turn: under WAL a reader never
/// waits for a writer.
/// </summary>
public sealed class SqliteWriteQueue
{
    private static readonly ConcurrentDictionary<string, SqliteWriteQueue> Files = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _turn = new(1, 1);

    private SqliteWriteQueue()
    {
    }

    /// <summary>The queue of the database file a connection string names (however the path is spelled).</summary>
    public static SqliteWriteQueue For(string connectionString) =>
        Files.GetOrAdd(Path.GetFullPath(new SqliteConnectionStringBuilder(connectionString).DataSource), _ => new SqliteWriteQueue());

    /// <summary>Runs <paramref name="write"/> once every write queued before it has finished.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        await _turn.WaitAsync(cancellationToken);
        try
        {
            return await write();
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <inheritdoc cref="RunAsync{T}(Func{Task{T}}, CancellationToken)"/>
    public Task RunAsync(Func<Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return RunAsync(async () =>
        {
            await write();
            return true;
        }, cancellationToken);
    }
}
