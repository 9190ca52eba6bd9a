using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

using SwarmCluster.Tests.Shared;

namespace SwarmCluster.Silo.Tests.Cluster;

/// <summary>
/// The built worker and gateway executables as separate processes on real Redis membership and PostgreSQL
/// storage: (a) a worker killed with SIGKILL mid-load loses no acknowledged write, (b) a whole-cluster restart
/// brings everything back, (c) a gateway restart loses nothing. Figures (start, stop, detection and recovery
/// times, memory) go to the test output and the console; only loose bounds are asserted.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
[TestCaseOrderer(ByNameOrderer.TypeName, ByNameOrderer.AssemblyName)]
public sealed class ProcessClusterTests : IDisposable
{
    private const int SeededSwarms = 9;
    private const int TrainingSwarms = 2;
    private const int LoadLoops = 4;
    private static readonly TimeSpan LoadBeforeKill = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan LoadAfterRecovery = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(60);
    private static readonly string[] OurGrainTypes = ["swarm", "agent", "task", "memory", "registry", "queen"];

    private readonly ProcessClusterFixture _fixture;
    private readonly Stopwatch _testClock = Stopwatch.StartNew();

    public ProcessClusterTests(ProcessClusterFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _fixture.Log.Attach(output);
    }

    private ProcessCluster Cluster => _fixture.Cluster;

    private GatewayClient Gateway => Cluster.Client;

    [Fact]
    public async Task A_worker_killed_mid_load_loses_no_acknowledged_write()
    {
        await RunWithTailsAsync(async () =>
        {
            await Cluster.StartMissingAsync();
            Log($"memory after start: {Cluster.MemoryReport()}; {Machine.LoadAverage()}");

            // Several swarms so their grains spread over the three workers.
            var ledger = new Ledger();
            var seeding = Stopwatch.StartNew();
            var all = await Task.WhenAll(Enumerable.Range(0, SeededSwarms + TrainingSwarms)
                .Select(i => FailoverWorkload.SeedSwarmAsync(Gateway, i, "a", ledger)));
            var fixedSwarms = all.Take(SeededSwarms).ToList();
            var trainingSwarms = all.Skip(SeededSwarms).ToList();
            Log($"seeded {all.Length} swarms in {seeding.ElapsedMilliseconds} ms: {ledger.Describe()}");

            // Where does everything live? The victim is the worker holding most of the seeded swarms.
            await using var inspector = await PlacementInspector.ConnectAsync(Cluster.RedisConnectionString, Cluster.ClusterId, Cluster.ServiceId, TimeSpan.FromSeconds(30));
            var placement = (await inspector.ActivationsAsync(TimeSpan.FromSeconds(15))).Where(a => OurGrainTypes.Contains(a.Type)).ToList();
            LogPlacement("placement before the kill", placement);
            Assert.DoesNotContain(placement, a => a.SiloPort == Cluster.Gateway!.SiloPort);

            var swarmSlots = fixedSwarms.ToDictionary(s => s.Id, s => placement.Where(a => a.Type == "swarm" && a.Key == s.Id).Select(a => Cluster.SlotOfSiloPort(a.SiloPort)).FirstOrDefault());
            var victimSlot = Enumerable.Range(0, ProcessClusterFixture.WorkerCount).MaxBy(slot => swarmSlots.Values.Count(v => v == slot));
            var victimPort = Cluster.Workers[victimSlot]!.SiloPort;
            var victimSwarms = fixedSwarms.Where(s => swarmSlots[s.Id] == victimSlot).ToList();
            var victimNamespaces = fixedSwarms.Where(s => placement.Any(a => a.Type == "memory" && a.Key == "ns-" + s.Namespace && a.SiloPort == victimPort)).ToList();
            var victimGrains = placement.Where(a => a.SiloPort == victimPort).GroupBy(a => a.Type).Select(g => $"{g.Count()} {g.Key}").ToList();
            Assert.True(victimSwarms.Count > 0, "no seeded swarm landed on any worker?");
            Log($"victim: worker{victimSlot} (silo port {victimPort}) hosts {string.Join(", ", victimGrains)}; probing {victimSwarms.Count} swarms and {victimNamespaces.Count} memory namespaces that live there");

            // Load through the gateway, then kill -9 the victim in the middle of it.
            var stats = new LoadStats();
            using var stopLoad = new CancellationTokenSource();
            // Whatever fails below, the load loops stop with the test.
            using var stopLoadOnExit = new CancelOnDispose(stopLoad);
            var loops = Enumerable.Range(0, LoadLoops)
                .Select(l => Task.Run(() => FailoverWorkload.LoadLoopAsync(Gateway, l, fixedSwarms, ledger, stats, stopLoad.Token)))
                .Append(Task.Run(() => FailoverWorkload.TrainingLoopAsync(Gateway, trainingSwarms, ledger, stats, stopLoad.Token)))
                .ToList();
            await Task.Delay(LoadBeforeKill);
            Log($"memory under load: {Cluster.MemoryReport()}");

            var victim = Cluster.KillWorker(victimSlot);
            stats.MarkKill();
            Log($"kill -9 {victim.Name} (pid {victim.Pid}) with the load running; ledger so far: {ledger.Describe()}");

            var detection = WatchDetectionAsync(stats);
            var recovery = ProbeRecoveryAsync(victimSwarms, victimNamespaces, stats);
            var detected = await detection;
            var (firstRecovered, allRecovered) = await recovery;
            await Task.Delay(LoadAfterRecovery);
            stopLoad.Cancel();
            await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(60));
            Log(stats.Describe());

            // Every acknowledged write must read back, and the networks must answer exactly as before.
            var verifying = Stopwatch.StartNew();
            var problems = await FailoverWorkload.VerifyAsync(Gateway, ledger, fixedSwarms, TimeSpan.FromSeconds(45));
            var allReads = stats.SinceKill;
            Log($"verified {ledger.Describe()} in {verifying.ElapsedMilliseconds} ms; {problems.Count} problem(s)");

            var inconsistencies = await FailoverWorkload.ConsistencyAsync(Gateway, fixedSwarms, ledger);
            Log(inconsistencies.Count == 0
                ? "bookkeeping: every swarm's task counts and agent states agree with its tasks"
                : $"bookkeeping disagreements after the failover ({inconsistencies.Count}):\n  " + string.Join("\n  ", inconsistencies.Take(20)));
            Assert.True(inconsistencies.Count == 0, "swarms disagree with their tasks after the kill:\n" + string.Join("\n", inconsistencies.Take(20)));

            try
            {
                var after = (await inspector.ActivationsAsync(TimeSpan.FromSeconds(10))).Where(a => OurGrainTypes.Contains(a.Type)).ToList();
                LogPlacement("placement after recovery", after);
                Assert.DoesNotContain(after, a => a.SiloPort == Cluster.Gateway!.SiloPort || a.SiloPort == victimPort);
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException)
            {
                Log($"placement after recovery not available: {ex.Message}");
            }

            Log($"FAILOVER FIGURES (ProbeTimeout 1 s, NumMissedProbesLimit 2; 3 workers + gateway on one {Environment.ProcessorCount}-core machine, {Machine.LoadAverage()}):");
            Log($"  kill → gateway /healthz shows the worker gone: {Seconds(detected)}");
            Log($"  kill → first successful call on a grain that lived on the dead worker: {Seconds(firstRecovered)}");
            Log($"  kill → every probed grain of the dead worker answering: {Seconds(allRecovered)}");
            Log($"  kill → every acknowledged write read back: {allReads.TotalSeconds:0.00} s (includes {LoadAfterRecovery.TotalSeconds:0} s of extra load and the read-back)");
            Log($"  memory after failover: {Cluster.MemoryReport()}");

            Assert.True(stats.WrongReads.IsEmpty, "reads gave other answers than before the kill:\n" + string.Join("\n", stats.WrongReads.Take(10)));
            Assert.True(problems.Count == 0, $"{problems.Count} acknowledged write(s) lost or changed:\n" + string.Join("\n", problems.Take(30)));
            Assert.True(firstRecovered is not null && firstRecovered < RecoveryDeadline, $"grains of the dead worker did not come back within {RecoveryDeadline.TotalSeconds} s");
            Assert.True(allRecovered is not null, "not every probed grain of the dead worker came back");
            Assert.True(stats.SucceededAfterKill > 0, "the cluster served no call after the kill");
            // Fast failure detection must not have voted a healthy (if busy) silo dead: those shut themselves down.
            var survivors = Cluster.Workers.Append(Cluster.Gateway).Where(n => n is not null && n != victim).Select(n => n!).ToList();
            Assert.True(survivors.All(n => !n.HasExited), "a surviving process exited: " + string.Join(", ", survivors.Where(n => n.HasExited).Select(n => n.Name)));
        });
    }

    [Fact]
    public async Task B_whole_cluster_restart_brings_back_every_swarm_agent_task_memory_entry_and_weight()
    {
        await RunWithTailsAsync(async () =>
        {
            await Cluster.StartMissingAsync();
            await SeedRestartStateAsync("b");
            var before = await ClusterSnapshot.TakeAsync(Gateway);
            Log($"before: {ClusterSnapshot.Summary(before)}");

            var stopped = await Cluster.StopAllAsync();
            var starting = Stopwatch.StartNew();
            await Cluster.StartMissingAsync();
            var started = starting.Elapsed;
            Log($"memory after restart: {Cluster.MemoryReport()}; {Machine.LoadAverage()}");

            var reading = Stopwatch.StartNew();
            var after = await ClusterSnapshot.TakeAsync(Gateway);
            Log($"after:  {ClusterSnapshot.Summary(after)} (read back in {reading.ElapsedMilliseconds} ms, every grain activated from PostgreSQL)");
            Log($"RESTART FIGURES: graceful stop of all {ProcessClusterFixture.WorkerCount + 1} processes {stopped.TotalSeconds:0.00} s; parallel start until the gateway sees every worker {started.TotalSeconds:0.00} s");

            Log($"storage: {await Cluster.StorageReportAsync()}");

            var differences = ClusterSnapshot.Differences(before, after);
            Assert.True(differences.Count == 0, "state changed across the restart:\n" + string.Join("\n", differences));
            Assert.True(ClusterSnapshot.Count(before, "swarms") > 0 && ClusterSnapshot.Count(before, "memory") > 0);
            await AssertWritesWorkAsync();
        });
    }

    [Fact]
    public async Task C_gateway_restart_loses_nothing()
    {
        await RunWithTailsAsync(async () =>
        {
            await Cluster.StartMissingAsync();
            await SeedRestartStateAsync("c");
            var before = await ClusterSnapshot.TakeAsync(Gateway);
            Log($"before: {ClusterSnapshot.Summary(before)}");

            var stopped = await Cluster.StopGatewayAsync();
            var starting = Stopwatch.StartNew();
            await Cluster.StartGatewayAsync();
            await Cluster.WaitForGatewayViewAsync(ProcessClusterFixture.WorkerCount);
            var started = starting.Elapsed;

            var after = await ClusterSnapshot.TakeAsync(Gateway);
            Log($"after:  {ClusterSnapshot.Summary(after)}");
            Log($"GATEWAY RESTART FIGURES: stop (SIGTERM) {stopped.TotalSeconds:0.00} s, start until it sees every worker {started.TotalSeconds:0.00} s; {Machine.LoadAverage()}");

            var differences = ClusterSnapshot.Differences(before, after);
            Assert.True(differences.Count == 0, "state changed across the gateway restart:\n" + string.Join("\n", differences));
            await AssertWritesWorkAsync();
        });
    }

    public void Dispose()
    {
        Log($"test took {_testClock.Elapsed.TotalSeconds:0.0} s");
        _fixture.Log.Detach();
    }

    /// <summary>
    /// A swarm with every kind of state: agents, a completed task with its result, an open task with progress,
    /// persisted and write-behind memory entries, a trained network.
    /// </summary>
    private async Task SeedRestartStateAsync(string prefix)
    {
        // The largest network a swarm can have (100 outputs): its stored size is a capacity figure.
        var swarm = await Gateway.RequireAsync("swarm_init", new { topology = "hierarchical", maxAgents = 100 });
        var swarmId = swarm.GetProperty("id").GetString()!;
        await Gateway.RequireAsync("agent_spawn", new { type = "coder", name = $"{prefix}-keeper", capabilities = new[] { "go" }, swarmId });
        await Gateway.RequireAsync("agent_spawn", new { type = "analyst", swarmId });
        var done = await Gateway.RequireAsync("task_orchestrate", new { task = $"{prefix}: port the service to go", requiredCapabilities = new[] { "go" }, swarmId });
        await Gateway.RequireAsync("task_complete", new { taskId = done.GetProperty("id").GetString(), success = true, output = $"{prefix}: ported", quality = 0.75 });
        var open = await Gateway.RequireAsync("task_orchestrate", new { task = $"{prefix}: analyse the latency figures", swarmId });
        await Gateway.RequireAsync("task_progress", new { taskId = open.GetProperty("id").GetString(), progress = 0.4, message = "half way" });
        await Gateway.RequireAsync("neural_train", new { swarmId, iterations = 4 });
        var ns = $"{prefix}-restart";
        await Gateway.RequireAsync("memory_usage", new { action = "store", key = "persisted", value = new { decision = "go", votes = 3 }, @namespace = ns, persist = true });
        // Not persisted: written behind within ~1 s, and on deactivation at a graceful shutdown.
        await Gateway.RequireAsync("memory_usage", new { action = "store", key = "behind", value = new[] { 1.5, 2.5 }, @namespace = ns, metadata = new { source = prefix } });
    }

    /// <summary>After a restart the cluster takes new writes too (not only reads).</summary>
    private async Task AssertWritesWorkAsync()
    {
        var swarm = await Gateway.RequireAsync("swarm_init", new { topology = "star", maxAgents = 2 });
        var swarmId = swarm.GetProperty("id").GetString()!;
        await Gateway.RequireAsync("agent_spawn", new { type = "tester", swarmId });
        var task = await Gateway.RequireAsync("task_orchestrate", new { task = "after restart: smoke test", swarmId });
        var done = await Gateway.RequireAsync("task_complete", new { taskId = task.GetProperty("id").GetString(), success = true, output = "ok" });
        Assert.Equal("completed", done.GetProperty("status").GetString());
    }

    /// <summary>kill → the gateway's /healthz lists one silo fewer (the membership declared the worker dead).</summary>
    private async Task<TimeSpan?> WatchDetectionAsync(LoadStats stats)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var expected = ProcessClusterFixture.WorkerCount; // workers - 1 + the gateway
        while (stats.SinceKill < RecoveryDeadline)
        {
            try
            {
                using var response = await http.GetAsync(Cluster.Gateway!.BaseUrl + "/healthz");
                var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                if (response.IsSuccessStatusCode && body.GetProperty("activeSilos").GetInt32() == expected)
                {
                    return stats.SinceKill;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
            {
            }

            await Task.Delay(100);
        }

        return null;
    }

    /// <summary>
    /// Rounds of reads on grains that lived on the dead worker (network outputs, persisted memory) until every
    /// one answers in the same round: returns kill → first success, kill → all.
    /// </summary>
    private async Task<(TimeSpan? First, TimeSpan? All)> ProbeRecoveryAsync(List<SeededSwarm> swarms, List<SeededSwarm> namespaces, LoadStats stats)
    {
        TimeSpan? first = null;
        var perCall = TimeSpan.FromSeconds(5);
        while (stats.SinceKill < RecoveryDeadline)
        {
            var probes = swarms.Select(async s =>
            {
                var call = await Gateway.CallAsync("neural_process", new { swarmId = s.Id, input = ClusterSnapshot.FixedInput }, perCall);
                if (call.Ok && call.Body.GetProperty("output").GetRawText() != s.Output)
                {
                    stats.WrongReads.Add($"neural_process {s.Id} after the kill gave {FailoverWorkload.Short(call.Body.GetProperty("output").GetRawText())}, before {FailoverWorkload.Short(s.Output)}");
                }

                return (call.Ok, At: stats.SinceKill);
            }).Concat(namespaces.Select(async s =>
            {
                var call = await Gateway.CallAsync("memory_usage", new { action = "retrieve", key = "seed", @namespace = s.Namespace }, perCall);
                return (Ok: call.Ok && call.Body.GetProperty("found").GetBoolean(), At: stats.SinceKill);
            }));
            var round = await Task.WhenAll(probes);
            foreach (var (ok, at) in round)
            {
                if (ok && (first is null || at < first))
                {
                    first = at;
                }
            }

            if (round.All(r => r.Ok))
            {
                return (first, round.Max(r => r.At));
            }

            await Task.Delay(100);
        }

        return (first, null);
    }

    private void LogPlacement(string title, IReadOnlyList<Activation> activations)
    {
        var rows = activations.GroupBy(a => a.SiloPort).OrderBy(g => g.Key).Select(g =>
        {
            var slot = Cluster.SlotOfSiloPort(g.Key);
            var who = slot is { } s ? $"worker{s}" : g.Key == Cluster.Gateway?.SiloPort ? "GATEWAY" : $"port {g.Key}";
            return $"{who}: " + string.Join(", ", g.GroupBy(a => a.Type).OrderBy(t => t.Key).Select(t => $"{t.Count()} {t.Key}"));
        });
        Log($"{title}: {string.Join(" | ", rows)}");
    }

    private async Task RunWithTailsAsync(Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            // Infrastructure failures: show what the processes said.
            throw new InvalidOperationException(ex.Message + "\n" + Cluster.Tails(), ex);
        }
    }

    private void Log(string message) => _fixture.Log.Write(message);

    private sealed class CancelOnDispose(CancellationTokenSource source) : IDisposable
    {
        public void Dispose() => source.Cancel();
    }

    private static string Seconds(TimeSpan? value) => value is { } v ? $"{v.TotalSeconds:0.00} s" : "not within the deadline";
}
