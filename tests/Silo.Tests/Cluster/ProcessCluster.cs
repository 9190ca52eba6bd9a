using System.Diagnostics;
using Npgsql;
using StackExchange.Redis;

using SwarmCluster.Tests.Shared;

namespace SwarmCluster.Silo.Tests.Cluster;

/// <summary>
/// N worker silos + one gateway as child processes on loopback, on real Redis membership and a fresh
/// PostgreSQL database, with their own ClusterId/ServiceId. Slots keep their index across restarts; each start
/// takes new free ports (a new silo address, as a rescheduled pod gets).
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly TempPostgresDatabase _database;
    private readonly NodeProcess?[] _workers;
    private readonly List<NodeProcess> _retired = [];
    private readonly Action<string> _log;
    private readonly string? _logDirectory;
    private int _generation;

    private ProcessCluster(TempPostgresDatabase database, int workers, string id, Action<string> log)
    {
        _database = database;
        _workers = new NodeProcess?[workers];
        _log = log;
        ClusterId = id;
        ServiceId = id + "-svc";
        _logDirectory = Path.Combine(Path.GetTempPath(), "swarm-cluster-tests", id);
        Client = new GatewayClient("http://127.0.0.1:1");
    }

    public string ClusterId { get; }

    public string ServiceId { get; }

    public string RedisConnectionString { get; } = TestEnvironment.RedisConnectionString;

    public string LogDirectory => _logDirectory!;

    public NodeProcess? Gateway { get; private set; }

    public IReadOnlyList<NodeProcess?> Workers => _workers;

    /// <summary>Talks to the current gateway (its URL follows gateway restarts).</summary>
    public GatewayClient Client { get; }

    /// <summary>Membership hash in Redis: &lt;ServiceId&gt;/members/&lt;ClusterId&gt;.</summary>
    public string MembershipKey => $"{ServiceId}/members/{ClusterId}";

    public static async Task<ProcessCluster> CreateAsync(int workers, Action<string> log)
    {
        var database = await TempPostgresDatabase.CreateAsync();
        var cluster = new ProcessCluster(database, workers, TestEnvironment.UniqueId("pc"), log);
        log($"cluster {cluster.ClusterId}: database {database.Name}, Redis {cluster.RedisConnectionString}, logs {cluster.LogDirectory}");
        return cluster;
    }

    /// <summary>Starts every slot not running (in parallel) and waits until the gateway sees all workers.</summary>
    public async Task StartMissingAsync()
    {
        var starts = new List<Task>();
        for (var slot = 0; slot < _workers.Length; slot++)
        {
            if (_workers[slot] is not { HasExited: false })
            {
                starts.Add(StartWorkerAsync(slot));
            }
        }

        if (Gateway is not { HasExited: false })
        {
            starts.Add(StartGatewayAsync());
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(starts);
        if (starts.Count > 0)
        {
            await WaitForGatewayViewAsync(_workers.Length);
            _log($"{starts.Count} process(es) started in parallel; gateway sees {_workers.Length} workers after {clock.ElapsedMilliseconds} ms ({Machine.LoadAverage()})");
        }
    }

    public async Task StartWorkerAsync(int slot)
    {
        await RetireAsync(_workers[slot]);
        var worker = NodeProcess.Launch($"worker{slot}-g{Interlocked.Increment(ref _generation)}", NodeRole.Worker, Settings(), _logDirectory);
        _workers[slot] = worker;
        await worker.WaitHealthyAsync(StartTimeout);
        _log($"{worker.Name} (pid {worker.Pid}, silo port {worker.SiloPort}) healthy after {worker.StartupTime.TotalMilliseconds:0} ms");
    }

    public async Task StartGatewayAsync()
    {
        await RetireAsync(Gateway);
        var gateway = NodeProcess.Launch($"gateway-g{Interlocked.Increment(ref _generation)}", NodeRole.Gateway, Settings(), _logDirectory);
        Gateway = gateway;
        Client.BaseUrl = gateway.BaseUrl;
        await gateway.WaitHealthyAsync(StartTimeout);
        _log($"{gateway.Name} (pid {gateway.Pid}, {gateway.BaseUrl}) healthy after {gateway.StartupTime.TotalMilliseconds:0} ms");
    }

    /// <summary>Waits until the gateway's /healthz reports this many active workers (placement needs them all).</summary>
    public Task WaitForGatewayViewAsync(int workers, TimeSpan? timeout = null) =>
        Gateway!.WaitHealthyAsync(timeout ?? StartTimeout, h => h.GetProperty("activeWorkers").GetInt32() == workers);

    /// <summary>Graceful stop of the whole cluster: gateway first (no new calls), then all workers at once.</summary>
    public async Task<TimeSpan> StopAllAsync()
    {
        var clock = Stopwatch.StartNew();
        await StopGatewayAsync();
        var running = _workers.Where(w => w is { HasExited: false }).Select(w => w!).ToList();
        var results = await Task.WhenAll(running.Select(StopNodeAsync));
        for (var slot = 0; slot < _workers.Length; slot++)
        {
            await RetireAsync(_workers[slot]);
            _workers[slot] = null;
        }

        _log($"cluster stopped gracefully in {clock.ElapsedMilliseconds} ms (workers: {string.Join(", ", results.Select(r => $"{r.Name} exit {r.ExitCode} in {r.Took.TotalMilliseconds:0} ms"))})");
        return clock.Elapsed;
    }

    public async Task<TimeSpan> StopGatewayAsync()
    {
        if (Gateway is null)
        {
            return TimeSpan.Zero;
        }

        var (name, exit, took) = await StopNodeAsync(Gateway);
        _log($"{name} stopped (SIGTERM) with exit {exit} in {took.TotalMilliseconds:0} ms");
        await RetireAsync(Gateway);
        Gateway = null;
        return took;
    }

    /// <summary>kill -9 of one worker; returns it (dead) for its address.</summary>
    public NodeProcess KillWorker(int slot)
    {
        var worker = _workers[slot] ?? throw new InvalidOperationException($"worker slot {slot} is not running");
        worker.KillHard();
        return worker;
    }

    /// <summary>Silo port → worker slot, for mapping grain placements to processes.</summary>
    public int? SlotOfSiloPort(int port)
    {
        for (var slot = 0; slot < _workers.Length; slot++)
        {
            if (_workers[slot]?.SiloPort == port)
            {
                return slot;
            }
        }

        return null;
    }

    /// <summary>Resident memory of every running process, for the capacity notes.</summary>
    public string MemoryReport() => string.Join(", ", _workers.Append(Gateway).Where(n => n is { HasExited: false })
        .Select(n => $"{n!.Name} {(n.RssBytes() is { } rss ? $"{rss / 1024 / 1024} MB" : "?")}"));

    /// <summary>Rows and bytes per grain state type, and the database size: what storage capacity is spent on.</summary>
    public async Task<string> StorageReportAsync()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT graintypestring, count(*), coalesce(sum(octet_length(payloadbinary)), 0), coalesce(max(octet_length(payloadbinary)), 0) " +
            "FROM swarmgrainstate GROUP BY graintypestring ORDER BY 3 DESC", connection);
        var rows = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add($"{reader.GetString(0)}: {reader.GetInt64(1)} rows, {reader.GetInt64(2) / 1024} KB (largest {reader.GetInt32(3) / 1024} KB)");
            }
        }

        await using var size = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        var bytes = (long)(await size.ExecuteScalarAsync())!;
        return $"database {bytes / 1024 / 1024} MB; " + string.Join("; ", rows);
    }

    public string Tails(int lines = 40) =>
        string.Join("\n", _workers.Append(Gateway).Concat(_retired).Where(n => n is not null).Distinct().Select(n => n!.Tail(lines)));

    public async ValueTask DisposeAsync()
    {
        // Kill first: nothing may outlive the test run, whatever failed before.
        var all = _workers.Append(Gateway).Concat(_retired).Where(n => n is not null).Select(n => n!).Distinct().ToList();
        await Task.WhenAll(all.Select(n => n.DisposeAsync().AsTask()));
        Client.Dispose();
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionString);
            await redis.GetDatabase().KeyDeleteAsync(MembershipKey);
        }
        catch (RedisException ex)
        {
            _log($"could not delete {MembershipKey}: {ex.Message}");
        }

        await _database.DisposeAsync();
        if (Environment.GetEnvironmentVariable("SWARM_TEST_KEEP_LOGS") != "1")
        {
            try
            {
                Directory.Delete(_logDirectory!, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private Dictionary<string, string> Settings() => new()
    {
        ["SwarmCluster__Clustering"] = "Redis",
        ["SwarmCluster__RedisConnectionString"] = RedisConnectionString,
        ["SwarmCluster__Storage"] = "PostgreSql",
        ["SwarmCluster__PostgresConnectionString"] = _database.ConnectionString,
        ["SwarmCluster__ClusterId"] = ClusterId,
        ["SwarmCluster__ServiceId"] = ServiceId,
    };

    private async Task<(string Name, int ExitCode, TimeSpan Took)> StopNodeAsync(NodeProcess node)
    {
        var (exit, took) = await node.StopAsync(StopTimeout);
        return (node.Name, exit, took);
    }

    // Dead or stopped processes are kept until the end: their output explains failures.
    private async Task RetireAsync(NodeProcess? node)
    {
        if (node is null)
        {
            return;
        }

        lock (_retired)
        {
            if (_retired.Contains(node))
            {
                return;
            }

            _retired.Add(node);
        }

        if (!node.HasExited)
        {
            await node.StopAsync(StopTimeout);
        }
    }
}
