using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

using SwarmCluster.Tests.Shared;

namespace SwarmCluster.Silo.Tests.Cluster;

/// <summary>A swarm the workload created, with its memory namespace and its network's output on the fixed input.</summary>
internal sealed record SeededSwarm(int Index, string Id, string Namespace, string Output);

/// <summary>
/// Every write the gateway ACKNOWLEDGED (answered 200), recorded only after the answer arrived: these must all be
/// readable after a failover. Writes that failed or were cut off are not recorded (they may or may not have happened).
/// </summary>
internal sealed class Ledger
{
    public sealed record MemoryWrite(string Namespace, string Key, string ValueJson);

    public sealed record CompletedTask(string TaskId, string SwarmId, bool Success, string Output, double Quality);

    public sealed record CreatedTask(string TaskId, string SwarmId);

    public sealed record SpawnedAgent(string AgentId, string SwarmId);

    public ConcurrentBag<MemoryWrite> Memory { get; } = [];

    public ConcurrentBag<CompletedTask> Completed { get; } = [];

    public ConcurrentBag<CreatedTask> Created { get; } = [];

    public ConcurrentBag<SpawnedAgent> Agents { get; } = [];

    /// <summary>Swarm → highest acknowledged totalEpochsTrained.</summary>
    public ConcurrentDictionary<string, int> TrainedEpochs { get; } = new();

    /// <summary>(swarm, totalEpochsTrained) → the output read right after that acknowledged training.</summary>
    public ConcurrentDictionary<(string Swarm, int Epochs), string> TrainedOutputs { get; } = new();

    public string Describe() =>
        $"{Memory.Count} persisted memory entries, {Created.Count} tasks created, {Completed.Count} tasks completed, " +
        $"{Agents.Count} agents, {TrainedEpochs.Count} trained networks ({TrainedEpochs.Values.Sum()} epochs acknowledged)";
}

/// <summary>Counts of load calls around the kill and anything read back wrong.</summary>
internal sealed class LoadStats
{
    private readonly Stopwatch _sinceKill = new();
    private readonly object _gate = new();
    private readonly List<string> _failureSamples = [];
    private int _okBefore, _failedBefore, _okAfter, _failedAfter;
    private TimeSpan? _firstFailureAfterKill, _lastFailureAfterKill;

    public ConcurrentBag<string> WrongReads { get; } = [];

    public bool Killed => _sinceKill.IsRunning;

    public TimeSpan SinceKill => _sinceKill.Elapsed;

    public void MarkKill() => _sinceKill.Start();

    public void Record(ToolCall call)
    {
        lock (_gate)
        {
            if (!Killed)
            {
                if (call.Ok) _okBefore++; else _failedBefore++;
            }
            else if (call.Ok)
            {
                _okAfter++;
            }
            else
            {
                _failedAfter++;
                _firstFailureAfterKill ??= _sinceKill.Elapsed;
                _lastFailureAfterKill = _sinceKill.Elapsed;
            }

            if (!call.Ok && _failureSamples.Count < 8)
            {
                _failureSamples.Add($"{(Killed ? $"kill+{_sinceKill.Elapsed.TotalSeconds:0.00}s" : "before kill")} {call.Describe()}");
            }
        }
    }

    public int SucceededAfterKill
    {
        get
        {
            lock (_gate)
            {
                return _okAfter;
            }
        }
    }

    public string Describe()
    {
        lock (_gate)
        {
            var window = _firstFailureAfterKill is { } first
                ? $"failures after the kill from +{first.TotalSeconds:0.00} s to +{_lastFailureAfterKill!.Value.TotalSeconds:0.00} s"
                : "no call failed after the kill";
            return $"load calls: before kill {_okBefore} ok / {_failedBefore} failed; after kill {_okAfter} ok / {_failedAfter} failed; {window}" +
                   (_failureSamples.Count > 0 ? "\n  sample failures:\n    " + string.Join("\n    ", _failureSamples) : "");
        }
    }
}

/// <summary>The calls test (a) makes: seeding, the mixed load, the training load and the read-back.</summary>
internal static class FailoverWorkload
{
    private static readonly string[] Topologies = ["mesh", "hierarchical", "ring", "star"];
    private static readonly string[] AgentTypes = ["coder", "tester", "researcher"];

    /// <summary>A swarm with 3 agents, 2 completed tasks, one persisted memory entry and a trained network.</summary>
    public static async Task<SeededSwarm> SeedSwarmAsync(GatewayClient gateway, int index, string prefix, Ledger ledger)
    {
        // trainEvery 0: the load completes tasks here, and automatic trainings would move the weights the ledger checks.
        var swarm = await gateway.RequireAsync("swarm_init", new { topology = Topologies[index % Topologies.Length], maxAgents = 4, trainEvery = 0 });
        var id = swarm.GetProperty("id").GetString()!;
        foreach (var type in AgentTypes)
        {
            var agent = await gateway.RequireAsync("agent_spawn", new { type, swarmId = id });
            ledger.Agents.Add(new(agent.GetProperty("id").GetString()!, id));
        }

        for (var t = 0; t < 2; t++)
        {
            var task = await gateway.RequireAsync("task_orchestrate", new { task = $"{prefix} seed task {index}-{t}: implement and test the parser", swarmId = id });
            var taskId = task.GetProperty("id").GetString()!;
            ledger.Created.Add(new(taskId, id));
            var output = $"{prefix} seed output {index}-{t}";
            await gateway.RequireAsync("task_complete", new { taskId, success = true, output, quality = 0.9 });
            ledger.Completed.Add(new(taskId, id, true, output, 0.9));
        }

        var ns = $"{prefix}-mem-{index}";
        var value = new JsonObject { ["swarm"] = id, ["index"] = index, ["note"] = "seeded before the kill" };
        var stored = await gateway.RequireAsync("memory_usage", new { action = "store", key = "seed", value, @namespace = ns, persist = true });
        if (!stored.GetProperty("durable").GetBoolean())
        {
            throw new InvalidOperationException("persist:true store answered durable=false");
        }

        ledger.Memory.Add(new(ns, "seed", value.ToJsonString()));
        var trained = await gateway.RequireAsync("neural_train", new { swarmId = id, iterations = 3 });
        ledger.TrainedEpochs[id] = trained.GetProperty("totalEpochsTrained").GetInt32();
        var processed = await gateway.RequireAsync("neural_process", new { swarmId = id, input = ClusterSnapshot.FixedInput });
        return new SeededSwarm(index, id, ns, processed.GetProperty("output").GetRawText());
    }

    /// <summary>
    /// Mixed load on the seeded swarms until cancelled: persisted memory writes, task orchestrate + complete,
    /// and network reads that must always equal the seeded output (weights are not trained here).
    /// </summary>
    public static async Task LoadLoopAsync(GatewayClient gateway, int loop, IReadOnlyList<SeededSwarm> swarms, Ledger ledger, LoadStats stats, CancellationToken ct)
    {
        try
        {
            for (var i = 0; !ct.IsCancellationRequested; i++)
            {
                var swarm = swarms[(loop + i) % swarms.Count];
                switch (i % 3)
                {
                    case 0:
                    {
                        var key = $"load-{loop}-{i}";
                        var value = new JsonObject { ["loop"] = loop, ["i"] = i, ["swarm"] = swarm.Id };
                        var call = await gateway.CallAsync("memory_usage", new { action = "store", key, value, @namespace = swarm.Namespace, persist = true }, cancellationToken: ct);
                        stats.Record(call);
                        if (call.Ok && call.Body.GetProperty("durable").GetBoolean())
                        {
                            ledger.Memory.Add(new(swarm.Namespace, key, value.ToJsonString()));
                        }

                        break;
                    }

                    case 1 when i % 2 == 0:
                    {
                        // The claim loop: queued, claimed under a lease, completed; request ids make retries safe.
                        var agentId = ledger.Agents.Where(a => a.SwarmId == swarm.Id).Select(a => a.AgentId).OrderBy(a => a).ElementAt(loop % 3);
                        var created = await gateway.CallAsync("task_orchestrate", new { task = $"claimed task {loop}-{i}", assign = false, swarmId = swarm.Id, requestId = $"q-{loop}-{i}" }, cancellationToken: ct);
                        stats.Record(created);
                        if (!created.Ok)
                        {
                            break;
                        }

                        ledger.Created.Add(new(created.Body.GetProperty("id").GetString()!, swarm.Id));
                        // A lease longer than any restart the tests make: a hold open when the load stops must not
                        // expire while the cluster restarts (a loaded machine took 33 s), or the compared state moves.
                        var claim = await gateway.CallAsync("task_claim", new { agentId, swarmId = swarm.Id, leaseSeconds = 600, requestId = $"c-{loop}-{i}" }, cancellationToken: ct);
                        stats.Record(claim);
                        if (!claim.Ok || !claim.Body.GetProperty("claimed").GetBoolean())
                        {
                            break;
                        }

                        var taskId = claim.Body.GetProperty("task").GetProperty("id").GetString()!;
                        var output = $"claimed output {loop}-{i}";
                        var completed = await gateway.CallAsync("task_complete", new { taskId, agentId, success = true, output, quality = 0.5, requestId = $"d-{loop}-{i}" }, cancellationToken: ct);
                        stats.Record(completed);
                        if (completed.Ok)
                        {
                            ledger.Completed.Add(new(taskId, swarm.Id, true, output, 0.5));
                        }

                        break;
                    }

                    case 1:
                    {
                        var created = await gateway.CallAsync("task_orchestrate", new { task = $"load task {loop}-{i}: review module {i % 7}", swarmId = swarm.Id }, cancellationToken: ct);
                        stats.Record(created);
                        if (!created.Ok)
                        {
                            break;
                        }

                        var taskId = created.Body.GetProperty("id").GetString()!;
                        ledger.Created.Add(new(taskId, swarm.Id));
                        var success = i % 5 != 1;
                        var output = $"load output {loop}-{i}";
                        var quality = i % 10 / 10.0;
                        var completed = await gateway.CallAsync("task_complete", new { taskId, success, output, quality }, cancellationToken: ct);
                        stats.Record(completed);
                        if (completed.Ok)
                        {
                            ledger.Completed.Add(new(taskId, swarm.Id, success, output, quality));
                        }

                        break;
                    }

                    default:
                    {
                        var read = await gateway.CallAsync("neural_process", new { swarmId = swarm.Id, input = ClusterSnapshot.FixedInput }, cancellationToken: ct);
                        stats.Record(read);
                        if (read.Ok && read.Body.GetProperty("output").GetRawText() != swarm.Output)
                        {
                            stats.WrongReads.Add($"neural_process {swarm.Id} under load gave {Short(read.Body.GetProperty("output").GetRawText())}, seeded {Short(swarm.Output)}");
                        }

                        break;
                    }
                }

                await Task.Delay(15, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped: whatever was in flight is simply not acknowledged.
        }
    }

    /// <summary>
    /// Trains the given swarms in turn (2 epochs on recorded outcomes) and reads the output right after each
    /// acknowledged training: one loop per swarm set, so no other training can come in between.
    /// </summary>
    public static async Task TrainingLoopAsync(GatewayClient gateway, IReadOnlyList<SeededSwarm> swarms, Ledger ledger, LoadStats stats, CancellationToken ct)
    {
        try
        {
            for (var i = 0; !ct.IsCancellationRequested; i++)
            {
                var swarm = swarms[i % swarms.Count];
                var trained = await gateway.CallAsync("neural_train", new { swarmId = swarm.Id, iterations = 2 }, cancellationToken: ct);
                stats.Record(trained);
                if (trained.Ok)
                {
                    var epochs = trained.Body.GetProperty("totalEpochsTrained").GetInt32();
                    ledger.TrainedEpochs.AddOrUpdate(swarm.Id, epochs, (_, old) => Math.Max(old, epochs));
                    var read = await gateway.CallAsync("neural_process", new { swarmId = swarm.Id, input = ClusterSnapshot.FixedInput }, cancellationToken: ct);
                    stats.Record(read);
                    if (read.Ok)
                    {
                        ledger.TrainedOutputs[(swarm.Id, epochs)] = read.Body.GetProperty("output").GetRawText();
                    }
                }

                await Task.Delay(150, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Reads back every acknowledged write (each read retried while the cluster answers non-200, until the
    /// deadline). Returns what is missing or different.
    /// </summary>
    public static async Task<List<string>> VerifyAsync(GatewayClient gateway, Ledger ledger, IReadOnlyList<SeededSwarm> fixedSwarms, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        var problems = new ConcurrentBag<string>();
        var checks = new List<Func<Task>>();
        TimeSpan Left() => deadline - clock.Elapsed > TimeSpan.FromSeconds(2) ? deadline - clock.Elapsed : TimeSpan.FromSeconds(2);

        async Task<JsonElement?> Read(string tool, object arguments, string what)
        {
            var call = await gateway.RetryAsync(tool, arguments, Left(), TimeSpan.FromSeconds(10));
            if (call.Ok)
            {
                return call.Body;
            }

            problems.Add($"{what}: unreadable ({call.Describe()})");
            return null;
        }

        foreach (var write in ledger.Memory)
        {
            checks.Add(async () =>
            {
                var what = $"memory {write.Namespace}/{write.Key}";
                if (await Read("memory_usage", new { action = "retrieve", key = write.Key, @namespace = write.Namespace }, what) is not { } body)
                {
                    return;
                }

                if (!body.GetProperty("found").GetBoolean())
                {
                    problems.Add($"{what}: acknowledged persisted write not found");
                }
                else if (!JsonNode.DeepEquals(JsonNode.Parse(body.GetProperty("entry").GetProperty("value").GetRawText()), JsonNode.Parse(write.ValueJson)))
                {
                    problems.Add($"{what}: value {body.GetProperty("entry").GetProperty("value").GetRawText()}, acknowledged {write.ValueJson}");
                }
            });
        }

        var completedIds = ledger.Completed.Select(c => c.TaskId).ToHashSet();
        foreach (var done in ledger.Completed)
        {
            checks.Add(async () =>
            {
                var what = $"task {done.TaskId}";
                if (await Read("task_results", new { taskId = done.TaskId, format = "raw" }, what) is not { } body)
                {
                    return;
                }

                var expectedStatus = done.Success ? "completed" : "failed";
                var status = body.GetProperty("status").GetString();
                var recorded = body.GetProperty("results").EnumerateArray().Any(r =>
                    r.GetProperty("success").GetBoolean() == done.Success
                    && r.GetProperty("output").GetString() == done.Output
                    && r.GetProperty("quality").GetDouble() == done.Quality);
                if (status != expectedStatus || !recorded)
                {
                    problems.Add($"{what}: status {status} (acknowledged {expectedStatus}), acknowledged result {(recorded ? "present" : "MISSING")}: {body.GetProperty("results").GetRawText()}");
                }
            });
        }

        foreach (var created in ledger.Created.Where(c => !completedIds.Contains(c.TaskId)))
        {
            checks.Add(async () =>
            {
                var what = $"task {created.TaskId}";
                if (await Read("task_status", new { taskId = created.TaskId }, what) is { } body
                    && body.GetProperty("tasks")[0].GetProperty("swarmId").GetString() != created.SwarmId)
                {
                    problems.Add($"{what}: belongs to another swarm now");
                }
            });
        }

        foreach (var group in ledger.Agents.GroupBy(a => a.SwarmId))
        {
            checks.Add(async () =>
            {
                if (await Read("agent_list", new { swarmId = group.Key }, $"agents of {group.Key}") is not { } body)
                {
                    return;
                }

                var listed = body.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("id").GetString()).ToHashSet();
                foreach (var missing in group.Where(a => !listed.Contains(a.AgentId)))
                {
                    problems.Add($"agent {missing.AgentId} of {group.Key}: acknowledged spawn missing from agent_list");
                }
            });
        }

        foreach (var swarm in fixedSwarms)
        {
            checks.Add(async () =>
            {
                var what = $"network output of {swarm.Id}";
                if (await Read("neural_process", new { swarmId = swarm.Id, input = ClusterSnapshot.FixedInput }, what) is { } body
                    && body.GetProperty("output").GetRawText() != swarm.Output)
                {
                    problems.Add($"{what}: {Short(body.GetProperty("output").GetRawText())}, before the kill {Short(swarm.Output)}");
                }
            });
        }

        foreach (var (swarmId, acknowledged) in ledger.TrainedEpochs)
        {
            checks.Add(async () =>
            {
                var what = $"trained network of {swarmId}";
                if (await Read("neural_status", new { swarmId }, what) is not { } body)
                {
                    return;
                }

                var epochs = body.GetProperty("network").GetProperty("epochsTrained").GetInt32();
                if (epochs < acknowledged)
                {
                    problems.Add($"{what}: {epochs} epochs stored, {acknowledged} acknowledged");
                    return;
                }

                // The output right after the training that produced these weights, when the load read it.
                if (ledger.TrainedOutputs.TryGetValue((swarmId, epochs), out var expected)
                    && await Read("neural_process", new { swarmId, input = ClusterSnapshot.FixedInput }, what) is { } output
                    && output.GetProperty("output").GetRawText() != expected)
                {
                    problems.Add($"{what}: output after {epochs} epochs differs from the one read when they were acknowledged");
                }
            });
        }

        using var gate = new SemaphoreSlim(6);
        await Task.WhenAll(checks.Select(async check =>
        {
            await gate.WaitAsync();
            try
            {
                await check();
            }
            finally
            {
                gate.Release();
            }
        }));
        return problems.OrderBy(p => p, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Cross-grain agreement after the failover (<see cref="SwarmInvariants"/>): agents busy only with live tasks,
    /// tasks held only by busy agents, counts equal to what the tasks say, every acknowledged result present.
    /// </summary>
    public static async Task<List<string>> ConsistencyAsync(GatewayClient gateway, IReadOnlyList<SeededSwarm> swarms, Ledger ledger)
    {
        var findings = new List<string>();
        foreach (var swarm in swarms)
        {
            var status = await gateway.RetryAsync("swarm_status", new { swarmId = swarm.Id }, TimeSpan.FromSeconds(20));
            var tasks = await gateway.RetryAsync("task_status", new { swarmId = swarm.Id, detailed = true }, TimeSpan.FromSeconds(20));
            var agents = await gateway.RetryAsync("agent_list", new { swarmId = swarm.Id }, TimeSpan.FromSeconds(20));
            if (!status.Ok || !tasks.Ok || !agents.Ok)
            {
                findings.Add($"{swarm.Id}: unreadable ({status.Describe()}; {tasks.Describe()}; {agents.Describe()})");
                continue;
            }

            var acknowledged = ledger.Completed.Where(c => c.SwarmId == swarm.Id && c.Success).Select(c => (c.TaskId, c.Output));
            findings.AddRange(SwarmInvariants.Check(status.Body, tasks.Body, agents.Body, acknowledged).Select(p => $"{swarm.Id}: {p}"));
        }

        return findings;
    }

    public static string Short(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
