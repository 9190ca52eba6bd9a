using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using ModelContextProtocol.Server;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Gateway.Cluster;
using SwarmCluster.Gateway.Mcp;
using SwarmCluster.Gateway.Security;

namespace SwarmCluster.Gateway.Tools;

/// <summary>benchmark_run: times real operations against the cluster; nothing is estimated.</summary>
[McpServerToolType]
public sealed class BenchmarkTools(GrainCalls grains, ClusterDescription cluster, ILogger<BenchmarkTools> logger)
{
    public const string BenchNamespace = "bench";
    private const int NetworkOutputs = 8; // a [128, 64, 32, 8] network, the size the design is measured at
    private const int TrainingSamples = 16;

    /// <summary>Operations each type times, the total its progress counts to.</summary>
    private static readonly Dictionary<BenchmarkType, int> Planned = new()
    {
        [BenchmarkType.All] = 9, [BenchmarkType.Wasm] = 2, [BenchmarkType.Swarm] = 3, [BenchmarkType.Agent] = 1, [BenchmarkType.Task] = 3, // task times the agent spawns it needs too
    };

    // One instance per call (the catalog creates the tool class per invocation): the call's progress channel.
    private ToolProgress _progress = ToolProgress.None;
    private int _planned;
    private int _timed;
    private CancellationToken _cancellationToken;

    [McpServerTool(Name = "benchmark_run", Destructive = false), ToolScope(Scope.Admin), Description(
        "Execute performance benchmarks: times real operations `iterations` times and reports min/median/p90/max ms " +
        "each. all: grain round trip, FANN run and train epoch on a [128,64,32,8] network, a persisted storage write, " +
        "swarm create/destroy, agent spawn, task orchestrate/complete. swarm, agent, task: their operations; wasm: " +
        "not applicable (no WASM here), the FANN operations are timed instead. Works in throwaway swarms and the " +
        "'bench' memory namespace of your tenant, all removed afterwards; while it runs, tools called without swarmId " +
        "may see the throwaway swarm as the newest.")]
    public async Task<BenchmarkResult> BenchmarkRun(
        [Description("Benchmark type")] BenchmarkType type = BenchmarkType.All,
        [Description("Number of iterations"), Range(BenchmarkLimits.MinIterations, BenchmarkLimits.MaxIterations)] int iterations = 10,
        ToolProgress? progress = null,
        CancellationToken cancellationToken = default)
    {
        var all = type == BenchmarkType.All;
        _progress = progress ?? ToolProgress.None;
        _planned = Planned.TryGetValue(type, out var planned) ? planned : 0;
        _cancellationToken = cancellationToken;
        var results = new List<OperationTiming>();
        var created = new List<string>();
        var memoryKeys = new List<string>();
        var total = Stopwatch.StartNew();
        var random = new Random(1234); // inputs only; timings are what is measured

        try
        {
            if (all || type is BenchmarkType.Wasm or BenchmarkType.Swarm)
            {
                var swarm = await CreateSwarm(NetworkOutputs, created, cancellationToken);
                if (all || type == BenchmarkType.Swarm)
                    results.Add(await Time("grain_round_trip", "ISwarmGrain.GetInfo: one grain call and its reply", iterations,
                        _ => grains.Read(() => grains.Swarm(swarm).GetInfo(), cancellationToken)));
                if (all || type == BenchmarkType.Wasm)
                {
                    var input = RandomVector(random, 128);
                    results.Add(await Time("fann_run", "one forward pass of the swarm's [128,64,32,8] FANN network (through its grain)", iterations,
                        _ => grains.Read(() => grains.Swarm(swarm).Process(input), cancellationToken)));
                    var samples = Enumerable.Range(0, TrainingSamples)
                        .Select(_ => new TrainingSample(RandomVector(random, 128), RandomVector(random, NetworkOutputs))).ToList();
                    results.Add(await Time("fann_train_epoch", $"one training epoch over {TrainingSamples} samples on the same network (through its grain)", iterations,
                        _ => grains.Write(() => grains.Swarm(swarm).Train(samples, 1), cancellationToken)));
                }
            }

            if (all)
            {
                var memory = grains.Memory(BenchNamespace);
                var prefix = $"bench-{Guid.NewGuid():n}-";
                results.Add(await Time("storage_write", "persisted memory write (acknowledged once in the database)", iterations, async i =>
                {
                    var key = prefix + i;
                    memoryKeys.Add(key);
                    await grains.Write(() => memory.Store(new MemoryWrite(key, $"{{\"iteration\":{i}}}", Persist: true)), cancellationToken);
                }));
            }

            if (all || type == BenchmarkType.Swarm)
            {
                var swarms = new List<string>();
                results.Add(await Time("swarm_create", "ISwarmGrain.Initialize: a swarm with its [128,64,32,8] network, stored", iterations, async _ =>
                {
                    var id = GrainCalls.NewSwarmId();
                    created.Add(id);
                    swarms.Add(id);
                    await grains.Write(() => grains.Swarm(id).Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, NetworkOutputs, "benchmark")), cancellationToken);
                }));
                results.Add(await Time("swarm_destroy", "ISwarmGrain.Destroy of an empty swarm", iterations, async i =>
                {
                    await grains.Write(() => grains.Swarm(swarms[i]).Destroy(), cancellationToken);
                    created.Remove(swarms[i]);
                }));
            }

            if (all || type is BenchmarkType.Agent or BenchmarkType.Task)
            {
                var swarm = await CreateSwarm(Math.Max(iterations, 1), created, cancellationToken);
                var types = Enum.GetValues<AgentType>();
                var spawned = new List<string>();
                var timing = await Time("agent_spawn", "ISwarmGrain.SpawnAgent (agent grain initialized and stored)", iterations, async i =>
                    spawned.Add((await grains.Write(() => grains.Swarm(swarm).SpawnAgent(new AgentSpec(types[i % types.Length])), cancellationToken)).Id));
                if (all || type == BenchmarkType.Agent)
                    results.Add(timing);

                if (all || type == BenchmarkType.Task)
                {
                    var tasks = new List<string>();
                    results.Add(await Time("task_orchestrate", "ISwarmGrain.Orchestrate: task created, routed and assigned", iterations, async i =>
                        tasks.Add((await grains.Write(() => grains.Swarm(swarm).Orchestrate(new TaskSpec($"benchmark task {i}", MaxAgents: 1)), cancellationToken)).Id)));
                    results.Add(await Time("task_complete", "ISwarmGrain.CompleteTask: result recorded, agents freed, outcome learned", iterations, i =>
                        grains.Write(() => grains.Swarm(swarm).CompleteTask(tasks[i], new TaskCompletion(null, true, "benchmark", 1.0)), cancellationToken)));
                }
            }
        }
        finally
        {
            await CleanUp(created, memoryKeys);
        }

        return new BenchmarkResult(type, iterations,
            type == BenchmarkType.Wasm ? "not applicable: no WASM here; the FANN native ops are timed instead" : null,
            results, Values.Round(total.Elapsed.TotalMilliseconds, 1), cluster.Role, created.Count == 0);
    }

    private async Task<string> CreateSwarm(int maxAgents, List<string> created, CancellationToken cancellationToken)
    {
        var id = GrainCalls.NewSwarmId();
        created.Add(id);
        await grains.Write(() => grains.Swarm(id).Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, maxAgents, "benchmark")), cancellationToken);
        return id;
    }

    // Clean-up must run even when the caller cancelled, so it has its own (bounded) token.
    private async Task CleanUp(List<string> swarms, List<string> memoryKeys)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var id in swarms.ToList())
        {
            try
            {
                await grains.Write(() => grains.Swarm(id).Destroy(), timeout.Token);
                swarms.Remove(id);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "benchmark: could not destroy throwaway swarm {SwarmId}", id);
            }
        }
        var memory = grains.Memory(BenchNamespace);
        foreach (var key in memoryKeys)
        {
            try
            {
                await grains.Write(() => memory.Delete(key), timeout.Token);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "benchmark: could not delete memory entry {Key}", key);
            }
        }
    }

    private async Task<OperationTiming> Time(string name, string description, int iterations, Func<int, Task> operation)
    {
        var samples = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            await operation(i);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        var timing = OperationTiming.Of(name, description, samples);
        _timed++;
        await _progress.ReportAsync(_timed, _planned, $"{name} timed ({_timed} of {_planned}): median {timing.MedianMs} ms", _cancellationToken);
        return timing;
    }

    private static float[] RandomVector(Random random, int length)
    {
        var vector = new float[length];
        for (var i = 0; i < length; i++)
            vector[i] = random.NextSingle();
        return vector;
    }
}

public sealed record OperationTiming(string Name, string Description, int Iterations, double MinMs, double MedianMs, double P90Ms, double MaxMs, double MeanMs)
{
    public static OperationTiming Of(string name, string description, double[] samples)
    {
        var sorted = samples.Order().ToArray();
        // Nearest-rank percentiles: every figure is one of the measured samples.
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new OperationTiming(name, description, sorted.Length,
            Values.Round(sorted[0]), Values.Round(Rank(0.5)), Values.Round(Rank(0.9)), Values.Round(sorted[^1]), Values.Round(sorted.Average()));
    }
}

public sealed record BenchmarkResult(
    BenchmarkType Type, int Iterations, string? Note, IReadOnlyList<OperationTiming> Operations, double TotalMs, string Role, bool CleanedUp);
