using Orleans.Placement;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Registry;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using Orleans.Core;
using SwarmCluster.Fann;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains;

/// <summary>
/// A swarm: configuration, agent roster, task states, counters and its FANN network, of which this grain is
/// the only owner (a FANN network is not thread-safe; grain turns serialise every use).
/// <para>
/// Three stored rows: "swarm" (roster, tasks, counters), "swarm-network" (FANN bytes, rewritten only on init
/// and training) and "swarm-outcomes" (the training set, rewritten on each finished task), so a spawn does not
/// rewrite half a megabyte of weights. [GrainType] names are fixed so renaming a class never renames a grain.
/// </para>
/// <para>
/// Calls: the swarm calls agents (Initialize/Assign/GetInfo/Retire), tasks (Create, and Cancel only in
/// Destroy) and the registry; none of those call the swarm back inside the same request, except a task being
/// cancelled by Destroy, which reports TaskStateChanged: Destroy allows that one re-entry through call-chain
/// reentrancy (and ignores it while destroying). Tasks call RecordOutcome/TaskStateChanged on their own
/// requests; the grain is not reentrant, so all mutations run one at a time.
/// </para>
/// </summary>
// Random placement: activation counts are gossiped with a delay, so a burst of swarm_init calls all went to one
// fresh worker (11 of 11 once); swarms are the heavy grains (a network each), so spread them evenly by chance.
[GrainType("swarm"), WorkerPlacement, RandomPlacement]
public sealed class SwarmGrain(
    [PersistentState(StorageNames.Swarm, StorageNames.Provider)] IPersistentState<SwarmGrainState> state,
    [PersistentState(StorageNames.SwarmNetwork, StorageNames.Provider)] IPersistentState<SwarmNetworkState> network,
    [PersistentState(StorageNames.SwarmOutcomes, StorageNames.Provider)] IPersistentState<SwarmOutcomeState> outcomes,
    ILogger<SwarmGrain> logger) : Grain, ISwarmGrain
{
    public const int InputSize = TaskFeatureEncoder.Size;
    public static readonly int[] HiddenLayers = [64, 32];
    public const int MaxAgentsLimit = 100;
    public const int MaxBatch = 1024;
    public const int MaxTrainingSamples = 10_000;
    public const int MaxEpochs = 10_000;
    /// <summary>
    /// samples × epochs per call (~20 µs each with 100 outputs), so one training stays well inside a grain
    /// call's 30 s timeout.
    /// </summary>
    public const long MaxTrainingWork = 500_000;

    /// <summary>
    /// The network's own algorithm (stored with it), used by Train on supplied samples. Incremental, not FANN's
    /// RPROP default: on this [128, 64, 32, n] sigmoid network RPROP reached ~0 MSE and then oscillated
    /// (0 ↔ 0.25 ↔ 0.5), ending 50 epochs above where it started for 23 of 100 seeds on a separable task;
    /// incremental, quickprop and batch fell for all 100.
    /// </summary>
    public const TrainingAlgorithm NetworkTrainingAlgorithm = TrainingAlgorithm.Incremental;

    /// <summary>
    /// Outcomes are learned per sample (FANN incremental training, as the design's train loop does): RPROP
    /// steps every weight by the sign of its gradient only, so a word seen once moves as far as a word seen in
    /// every task, and on a few dozen outcomes it memorised them (55–80 % of unseen tasks routed right in our
    /// runs) where per-sample training generalised (~100 %).
    /// </summary>
    public const TrainingAlgorithm OutcomeTrainingAlgorithm = TrainingAlgorithm.Incremental;
    public const int MaxRecordedOutcomes = 2000;
    public const int MaxDescriptionLength = 4000;
    public const int MaxSampleTextLength = 1000;
    public const int MaxNameLength = 100;
    public const int MaxCapabilities = 32;
    public const int MaxCapabilityLength = 64;
    /// <summary>Agents per task when the task does not say: parallel work gets up to this many.</summary>
    public const int DefaultParallelAgents = 3;
    private static readonly TimeSpan CounterFlushPeriod = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DestroyCancelTimeout = TimeSpan.FromSeconds(10);

    private NeuralNetwork? _network;
    private bool _destroying;
    // Counters bumped by read-only calls (Process, Rank) are written with the next state write, by a timer, or
    // on deactivation, instead of one database write per network run.
    private bool _countersDirty;

    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(FlushCountersAsync, CounterFlushPeriod, CounterFlushPeriod);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            await FlushCountersAsync(cancellationToken);
        }
        finally
        {
            _network?.Dispose();
            _network = null;
        }
    }

    public async Task<SwarmInfo> Initialize(SwarmConfig config)
    {
        if (state.State.Exists)
        {
            throw new DomainException(ErrorKind.Conflict, $"swarm '{Id}' already exists", "swarmId");
        }

        if (!GrainKeys.IsSwarmId(Id))
        {
            throw DomainException.Invalid("swarmId", $"'{Id}' is not a swarm id (expected {GrainKeys.SwarmPrefix}<lower-case letters, digits, - or _>)");
        }

        ArgumentNullException.ThrowIfNull(config);
        Checks.Defined(config.Topology, "topology");
        Checks.Defined(config.Strategy, "strategy");
        Checks.Range(config.MaxAgents, "maxAgents", 1, MaxAgentsLimit);
        var name = Checks.Text(config.Name, "name", MaxNameLength, required: false);
        var objective = Checks.Text(config.Objective, "objective", MaxDescriptionLength, required: false);

        try
        {
            // An untrained network is a pure function of the swarm id's seed: it is rebuilt on activation and
            // stored only once trained (saving FANN text cost most of swarm_init's time, see docs/benchmarks.md).
            _network?.Dispose();
            _network = CreateNetwork(config.MaxAgents, StableTextHash.Seed(Id));
        }
        catch (FannException ex)
        {
            _network?.Dispose();
            _network = null;
            throw Unavailable(ex);
        }

        var now = DateTimeOffset.UtcNow;
        state.State = new SwarmGrainState
        {
            Exists = true,
            Name = name.Length > 0 ? name : Id,
            Topology = config.Topology,
            Strategy = config.Strategy,
            MaxAgents = config.MaxAgents,
            Objective = objective.Length > 0 ? objective : null,
            CreatedAt = now,
            LastActivity = now,
        };
        network.State = new SwarmNetworkState();
        outcomes.State = new SwarmOutcomeState();
        await WriteAsync(state);
        await GrainFactory.GetGrain<IRegistryGrain>(GrainKeys.Registry).RegisterSwarm(Id);
        logger.LogInformation("Swarm {SwarmId} created: {Topology}, {Strategy}, maxAgents {MaxAgents}", Id, config.Topology, config.Strategy, config.MaxAgents);
        return Info();
    }

    public Task<SwarmInfo> GetInfo()
    {
        EnsureExists();
        return Task.FromResult(Info());
    }

    public async Task<SwarmStatus> GetStatus(bool verbose)
    {
        EnsureExists();
        var s = state.State;
        var counts = s.TaskStates.Values.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());
        var tasks = new TaskCounts(
            counts.GetValueOrDefault(TaskState.Pending),
            counts.GetValueOrDefault(TaskState.Assigned),
            counts.GetValueOrDefault(TaskState.InProgress),
            counts.GetValueOrDefault(TaskState.Completed),
            counts.GetValueOrDefault(TaskState.Failed),
            counts.GetValueOrDefault(TaskState.Cancelled));
        var idle = s.Agents.Count(a => a.ActiveTaskIds.Count == 0);
        var agents = verbose ? await AgentInfosAsync(null) : [];
        return new SwarmStatus(Info(), idle, s.Agents.Count - idle, tasks, Counters(), NeuralStatus(), agents);
    }

    public async Task<AgentInfo> SpawnAgent(AgentSpec spec)
    {
        EnsureExists();
        ArgumentNullException.ThrowIfNull(spec);
        var type = Checks.Defined(spec.Type, "type");
        var name = Checks.Text(spec.Name, "name", MaxNameLength, required: false);
        if (spec.Pattern is { } p)
        {
            Checks.Defined(p, "pattern");
        }

        var capabilities = NormalizeCapabilities(spec.Capabilities) is { Count: > 0 } given ? given : AgentProfiles.DefaultCapabilities(type).ToList();
        var s = state.State;
        if (s.Agents.Count >= s.MaxAgents)
        {
            throw new DomainException(ErrorKind.CapacityExceeded, $"swarm '{Id}' is full: maxAgents {s.MaxAgents} reached", "maxAgents");
        }

        var slot = s.Agents.Count;
        string agentId;
        do
        {
            agentId = GrainKeys.NewAgentId();
        }
        while (s.Agents.Exists(a => a.Id == agentId));

        var normalized = new AgentSpec(type, name.Length > 0 ? name : $"{type.ToString().ToLowerInvariant()}-{slot + 1}", capabilities, spec.Pattern ?? AgentProfiles.DefaultPattern(type));
        var info = await GrainFactory.GetGrain<IAgentGrain>(agentId).Initialize(Id, slot, normalized);

        s.Agents.Add(new SwarmAgentEntry { Id = agentId, Slot = slot, Type = type, Name = normalized.Name!, Capabilities = capabilities });
        s.AgentsSpawned++;
        s.LastActivity = DateTimeOffset.UtcNow;
        await WriteAsync(state);
        return info;
    }

    public async Task<IReadOnlyList<AgentInfo>> ListAgents(AgentStatus? status)
    {
        EnsureExists();
        if (status is { } st)
        {
            Checks.Defined(st, "status");
        }

        return await AgentInfosAsync(status);
    }

    public async Task<TaskInfo> Orchestrate(TaskSpec spec)
    {
        EnsureExists();
        var (normalized, count) = ValidateTask(spec);
        var s = state.State;
        if (s.Agents.Count == 0)
        {
            throw new DomainException(ErrorKind.Conflict, $"swarm '{Id}' has no agents: spawn agents before orchestrating tasks", "swarmId");
        }

        var (decision, chosen) = Route(normalized, count);
        if (chosen.Count == 0)
        {
            throw new DomainException(ErrorKind.Conflict,
                $"no agent in swarm '{Id}' has all required capabilities ({string.Join(", ", normalized.RequiredCapabilities ?? [])})", "requiredCapabilities");
        }

        var taskId = GrainKeys.NewTaskId();
        var info = await GrainFactory.GetGrain<ITaskGrain>(taskId).Create(Id, normalized, decision, chosen);
        await Task.WhenAll(chosen.Select(a => GrainFactory.GetGrain<IAgentGrain>(a).Assign(taskId)));

        foreach (var agentId in chosen)
        {
            s.Agents.First(a => a.Id == agentId).ActiveTaskIds.Add(taskId);
        }

        s.TaskIds.Add(taskId);
        s.TaskStates[taskId] = info.Status;
        s.TasksOrchestrated++;
        s.LastActivity = DateTimeOffset.UtcNow;
        await WriteAsync(state);
        return info;
    }

    public Task<RoutingDecision> Rank(TaskSpec spec)
    {
        EnsureExists();
        var (normalized, count) = ValidateTask(spec);
        return Task.FromResult(Route(normalized, count).Decision);
    }

    public Task<IReadOnlyList<string>> ListTaskIds()
    {
        EnsureExists();
        return Task.FromResult<IReadOnlyList<string>>(state.State.TaskIds.ToList());
    }

    public async Task RecordOutcome(TaskOutcome outcome)
    {
        EnsureExists();
        ArgumentNullException.ThrowIfNull(outcome);
        if (_destroying)
        {
            return;
        }

        var s = state.State;
        if (!s.TaskStates.TryGetValue(outcome.TaskId, out var current))
        {
            throw DomainException.NotFound("task", outcome.TaskId, "taskId");
        }

        if (IsFinished(current))
        {
            return; // already recorded (a retried notification)
        }

        var slots = new List<int>();
        foreach (var agentId in outcome.AgentIds)
        {
            var agent = s.Agents.Find(a => a.Id == agentId);
            if (agent is not null)
            {
                agent.ActiveTaskIds.Remove(outcome.TaskId);
                slots.Add(agent.Slot);
            }
        }

        s.TaskStates[outcome.TaskId] = outcome.Success ? TaskState.Completed : TaskState.Failed;
        if (outcome.Success)
        {
            s.TasksCompleted++;
        }
        else
        {
            s.TasksFailed++;
        }

        s.LastActivity = DateTimeOffset.UtcNow;

        if (slots.Count > 0)
        {
            var text = outcome.Description ?? "";
            var samples = outcomes.State.Samples;
            samples.Add(new OutcomeSample
            {
                TaskId = outcome.TaskId,
                Text = text.Length <= MaxSampleTextLength ? text : text[..MaxSampleTextLength],
                Slots = slots,
                Target = TargetFor(outcome.Success, outcome.Quality),
                At = outcome.FinishedAt,
            });
            if (samples.Count > MaxRecordedOutcomes)
            {
                samples.RemoveRange(0, samples.Count - MaxRecordedOutcomes);
            }

            await WriteAsync(state, outcomes);
        }
        else
        {
            await WriteAsync(state);
        }
    }

    public async Task TaskStateChanged(string taskId, TaskState newState)
    {
        EnsureExists();
        if (_destroying)
        {
            return; // Destroy is cancelling this task and clears everything anyway.
        }

        var s = state.State;
        if (taskId is null || !s.TaskStates.TryGetValue(taskId, out var current))
        {
            throw DomainException.NotFound("task", taskId ?? "", "taskId");
        }

        if (IsFinished(current) || current == newState)
        {
            return;
        }

        switch (newState)
        {
            case TaskState.InProgress:
                break;
            case TaskState.Cancelled:
                foreach (var agent in s.Agents)
                {
                    agent.ActiveTaskIds.Remove(taskId);
                }

                break;
            default:
                throw DomainException.Invalid("state", $"only in_progress and cancelled are reported this way (got {newState})");
        }

        s.TaskStates[taskId] = newState;
        s.LastActivity = DateTimeOffset.UtcNow;
        await WriteAsync(state);
    }

    public Task<float[]> Process(float[] input)
    {
        EnsureExists();
        Checks.Vector(input, "input", InputSize);
        var output = Run(() => EnsureNetwork().Run(input));
        CountRuns(1);
        return Task.FromResult(output);
    }

    public Task<float[][]> ProcessBatch(float[][] inputs)
    {
        EnsureExists();
        if (inputs is null || inputs.Length == 0 || inputs.Length > MaxBatch)
        {
            throw DomainException.Invalid("inputs", $"must contain between 1 and {MaxBatch} inputs (got {inputs?.Length ?? 0})");
        }

        for (var i = 0; i < inputs.Length; i++)
        {
            Checks.Vector(inputs[i], "inputs", InputSize, $"item {i}");
        }

        var outputs = Run(() => EnsureNetwork().RunBatch(inputs));
        CountRuns(inputs.Length);
        return Task.FromResult(outputs);
    }

    public async Task<TrainingResult> Train(IReadOnlyList<TrainingSample> samples, int epochs)
    {
        EnsureExists();
        Checks.Range(epochs, "epochs", 1, MaxEpochs);
        if (samples is null || samples.Count == 0 || samples.Count > MaxTrainingSamples)
        {
            throw DomainException.Invalid("samples", $"must contain between 1 and {MaxTrainingSamples} samples (got {samples?.Count ?? 0})");
        }

        CheckWork(samples.Count, epochs);
        var outputs = state.State.MaxAgents;
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i] ?? throw DomainException.Invalid("samples", $"sample {i}: must not be null");
            Checks.Vector(sample.Input, "samples", InputSize, $"sample {i} input");
            Checks.Vector(sample.Target, "samples", outputs, $"sample {i} target");
            if (sample.Target.Any(t => t < 0 || t > 1))
            {
                throw DomainException.Invalid("samples", $"sample {i} target: values must be between 0 and 1 (the output layer is sigmoid)");
            }
        }

        return await TrainAsync(samples.Select(x => x.Input).ToArray(), samples.Select(x => x.Target).ToArray(), epochs, TrainingSource.Supplied, NetworkTrainingAlgorithm);
    }

    public async Task<TrainingResult> TrainOnOutcomes(int epochs)
    {
        EnsureExists();
        Checks.Range(epochs, "epochs", 1, MaxEpochs);
        var recorded = outcomes.State.Samples;
        if (recorded.Count == 0)
        {
            throw DomainException.Invalid("samples", "none given and no task outcomes recorded yet: give samples, or complete or fail tasks first");
        }

        CheckWork(recorded.Count, epochs);
        var (inputs, targets) = OutcomeTrainingSet(recorded, state.State.MaxAgents);
        return await TrainAsync(inputs, targets, epochs, TrainingSource.RecordedOutcomes, OutcomeTrainingAlgorithm);
    }

    public Task<NeuralStatus> GetNeuralStatus()
    {
        EnsureExists();
        return Task.FromResult(NeuralStatus());
    }

    public async Task<SwarmDestroyResult> Destroy()
    {
        EnsureExists();
        var s = state.State;
        _destroying = true;
        try
        {
            var open = s.TaskStates.Where(kv => !IsFinished(kv.Value)).Select(kv => kv.Key).ToList();
            var cancelled = 0;
            // A cancelled task reports back (TaskStateChanged) while this call still runs: allow that re-entry.
            using (RequestContext.AllowCallChainReentrancy())
            {
                var results = await Task.WhenAll(open.Select(CancelForDestroyAsync));
                cancelled = results.Count(ok => ok);
            }

            var agents = s.Agents.Select(a => a.Id).ToList();
            await Task.WhenAll(agents.Select(a => GrainFactory.GetGrain<IAgentGrain>(a).Retire()));
            await GrainFactory.GetGrain<IRegistryGrain>(GrainKeys.Registry).UnregisterSwarm(Id);
            await Task.WhenAll(state.ClearStateAsync(), network.ClearStateAsync(), outcomes.ClearStateAsync());
            state.State = new SwarmGrainState();
            network.State = new SwarmNetworkState();
            outcomes.State = new SwarmOutcomeState();
            _countersDirty = false;
            _network?.Dispose();
            _network = null;
            logger.LogInformation("Swarm {SwarmId} destroyed: {Agents} agents retired, {Tasks} tasks cancelled", Id, agents.Count, cancelled);
            DeactivateOnIdle();
            return new SwarmDestroyResult(Id, agents.Count, cancelled);
        }
        finally
        {
            _destroying = false;
        }
    }

    // ---- helpers ----

    private async Task<bool> CancelForDestroyAsync(string taskId)
    {
        try
        {
            // Bounded: a task completing at this very moment waits on this (busy) swarm; it gets its answer once
            // Destroy returns, and its late cancel is simply refused as already finished.
            await GrainFactory.GetGrain<ITaskGrain>(taskId).Cancel("swarm destroyed").WaitAsync(DestroyCancelTimeout);
            return true;
        }
        catch (DomainException ex) when (ex.Kind is ErrorKind.Conflict or ErrorKind.NotFound)
        {
            return false;
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Swarm {SwarmId}: task {TaskId} did not answer the destroy-time cancel in time", Id, taskId);
            return false;
        }
    }

    private async Task<TrainingResult> TrainAsync(float[][] inputs, float[][] targets, int epochs, TrainingSource source, TrainingAlgorithm algorithm)
    {
        var net = EnsureNetwork();
        var watch = Stopwatch.StartNew();
        TrainingReport report;
        byte[] bytes;
        try
        {
            using var data = TrainingData.FromArrays(inputs, targets);
            // Off the grain scheduler's thread: training can take seconds. The grain is not reentrant, so nothing
            // else touches the network meanwhile.
            (report, bytes) = await Task.Run(() =>
            {
                net.TrainingAlgorithm = algorithm;
                TrainingReport r;
                try
                {
                    r = net.Train(data, epochs);
                }
                finally
                {
                    net.TrainingAlgorithm = NetworkTrainingAlgorithm; // the stored network keeps its own algorithm
                }

                return (r, net.ToBytes());
            });
        }
        catch (FannException ex)
        {
            // The in-memory network may be half-trained: drop it and reload the stored one next time.
            _network?.Dispose();
            _network = null;
            throw Unavailable(ex);
        }

        watch.Stop();
        var n = network.State;
        n.Network = bytes;
        n.EpochsTrained += report.Epochs;
        n.LastMse = report.EpochMse.Count > 0 ? report.EpochMse[^1] : null;
        n.LastTrainedAt = DateTimeOffset.UtcNow;
        n.Trained = true;
        state.State.TrainingEpochs += report.Epochs;
        state.State.LastActivity = n.LastTrainedAt.Value;
        await WriteAsync(network, state);
        logger.LogInformation("Swarm {SwarmId} trained on {Samples} samples ({Source}) for {Epochs} epochs in {Ms:0} ms, MSE {Mse}",
            Id, inputs.Length, source, report.Epochs, watch.Elapsed.TotalMilliseconds, n.LastMse);
        return new TrainingResult(report.EpochMse.ToList(), inputs.Length, source, watch.Elapsed.TotalMilliseconds, n.EpochsTrained);
    }

    /// <summary>
    /// Target rule: the slots of the agents who did the task get the sample's target (quality, else 1 on
    /// success, 0 on failure); every other slot gets 0, an implicit "not this one": the network learns who
    /// handled this kind of task well relative to the others, which is what ranking needs. (Keeping the other
    /// slots at the network's current outputs was measured too: it left an untrained network's arbitrary
    /// opinions in place and separated agents less.) An agent that never got a kind of task therefore scores
    /// low on it; availability in the routing score still gives it work under the balanced strategy.
    /// </summary>
    internal static (float[][] Inputs, float[][] Targets) OutcomeTrainingSet(IReadOnlyList<OutcomeSample> samples, int outputs)
    {
        var inputs = new float[samples.Count][];
        var targets = new float[samples.Count][];
        for (var i = 0; i < samples.Count; i++)
        {
            inputs[i] = TaskFeatureEncoder.Encode(samples[i].Text);
            targets[i] = new float[outputs];
            foreach (var slot in samples[i].Slots)
            {
                if (slot >= 0 && slot < outputs)
                {
                    targets[i][slot] = samples[i].Target;
                }
            }
        }

        return (inputs, targets);
    }

    internal static float TargetFor(bool success, double? quality) =>
        !success ? 0f : quality is { } q && double.IsFinite(q) ? (float)Math.Clamp(q, 0, 1) : 1f;

    private (RoutingDecision Decision, IReadOnlyList<string> Chosen) Route(TaskSpec spec, int count)
    {
        var s = state.State;
        var candidates = s.Agents.Select(a => new RoutingCandidate(a.Id, a.Slot, a.Type, a.Capabilities, a.ActiveTaskIds.Count)).ToList();
        float[]? scores = null;
        string? note = null;
        if (network.State.Trained)
        {
            var features = TaskFeatureEncoder.Encode(spec.Description);
            scores = Run(() => EnsureNetwork().Run(features));
            CountRuns(1);
            note = $"trained {network.State.EpochsTrained} epochs, {outcomes.State.Samples.Count} recorded outcomes";
        }

        return TaskRouter.Route(spec, s.Strategy, candidates, scores, count, note);
    }

    private (TaskSpec Spec, int AgentCount) ValidateTask(TaskSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var description = Checks.Text(spec.Description, "description", MaxDescriptionLength);
        Checks.Defined(spec.Priority, "priority");
        Checks.Defined(spec.Strategy, "strategy");
        var maxAgents = state.State.MaxAgents;
        if (spec.MaxAgents is { } m)
        {
            Checks.Range(m, "maxAgents", 1, maxAgents);
        }

        var required = NormalizeCapabilities(spec.RequiredCapabilities, "requiredCapabilities");
        var agents = Math.Max(1, state.State.Agents.Count);
        var count = spec.MaxAgents ?? (spec.Strategy == ExecutionStrategy.Parallel ? Math.Min(DefaultParallelAgents, agents) : 1);
        return (spec with { Description = description, RequiredCapabilities = required.Count > 0 ? required : null }, count);
    }

    private static List<string> NormalizeCapabilities(IReadOnlyList<string>? capabilities, string parameter = "capabilities")
    {
        if (capabilities is null)
        {
            return [];
        }

        if (capabilities.Count > MaxCapabilities)
        {
            throw DomainException.Invalid(parameter, $"at most {MaxCapabilities} entries (got {capabilities.Count})");
        }

        var result = new List<string>();
        foreach (var capability in capabilities)
        {
            var c = Checks.Text(capability, parameter, MaxCapabilityLength).ToLowerInvariant();
            if (!result.Contains(c))
            {
                result.Add(c);
            }
        }

        return result;
    }

    private void CheckWork(int samples, int epochs)
    {
        if ((long)samples * epochs > MaxTrainingWork)
        {
            throw DomainException.Invalid("epochs", $"samples × epochs must be at most {MaxTrainingWork:N0} per call (got {samples} × {epochs}); train in several calls");
        }
    }

    private NeuralNetwork EnsureNetwork()
    {
        if (_network is not null)
        {
            return _network;
        }

        var bytes = network.State.Network;
        if (bytes is null && network.State.Trained)
        {
            throw new DomainException(ErrorKind.Unavailable, $"swarm '{Id}' was trained but has no stored network");
        }

        try
        {
            var net = bytes is null ? CreateNetwork(state.State.MaxAgents, StableTextHash.Seed(Id)) : NeuralNetwork.FromBytes(bytes);
            if (net.InputCount != InputSize || net.OutputCount != state.State.MaxAgents)
            {
                net.Dispose();
                throw new DomainException(ErrorKind.Unavailable, $"swarm '{Id}': stored network has the wrong shape");
            }

            _network = net;
            return net;
        }
        catch (FannException ex)
        {
            throw Unavailable(ex);
        }
    }

    private T Run<T>(Func<T> run)
    {
        try
        {
            return run();
        }
        catch (FannException ex)
        {
            throw Unavailable(ex);
        }
    }

    private static NeuralNetwork CreateNetwork(int outputs, int seed)
    {
        var net = NeuralNetwork.CreateStandard([InputSize, .. HiddenLayers, outputs]);
        try
        {
            net.HiddenActivation = ActivationFunction.Sigmoid;
            net.OutputActivation = ActivationFunction.Sigmoid; // scores in 0..1
            net.TrainingAlgorithm = NetworkTrainingAlgorithm;
            net.RandomizeWeights(-0.1f, 0.1f, seed); // reproducible from the swarm id
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    private DomainException Unavailable(FannException ex)
    {
        logger.LogError(ex, "Swarm {SwarmId}: FANN failure", Id);
        return new DomainException(ErrorKind.Unavailable, $"neural network unavailable: {ex.Message}");
    }

    private void CountRuns(int runs)
    {
        state.State.NetworkRuns += runs;
        state.State.LastActivity = DateTimeOffset.UtcNow;
        _countersDirty = true;
    }

    private async Task FlushCountersAsync(CancellationToken cancellationToken)
    {
        if (_countersDirty && state.State.Exists)
        {
            await WriteAsync(state);
        }
    }

    /// <summary>
    /// Writes the given states. If a write fails the in-memory state may be ahead of the database: deactivate
    /// so the next call reloads what is really stored.
    /// </summary>
    private async Task WriteAsync(params IStorage[] storages)
    {
        try
        {
            await Task.WhenAll(storages.Select(s => s.WriteStateAsync()));
            if (storages.Contains(state))
            {
                _countersDirty = false;
            }
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    private void EnsureExists()
    {
        if (!state.State.Exists)
        {
            throw DomainException.NotFound("swarm", Id, "swarmId");
        }
    }

    private static bool IsFinished(TaskState s) => s is TaskState.Completed or TaskState.Failed or TaskState.Cancelled;

    private SwarmInfo Info()
    {
        var s = state.State;
        return new SwarmInfo(Id, s.Name, s.Topology, s.Strategy, s.MaxAgents, s.Agents.Count, s.CreatedAt, s.Objective, Layers(s.MaxAgents));
    }

    private static int[] Layers(int outputs) => [InputSize, .. HiddenLayers, outputs];

    private SwarmCounters Counters()
    {
        var s = state.State;
        return new SwarmCounters(s.AgentsSpawned, s.TasksOrchestrated, s.TasksCompleted, s.TasksFailed, s.NetworkRuns, s.TrainingEpochs, s.LastActivity);
    }

    private NeuralStatus NeuralStatus()
    {
        var net = EnsureNetwork();
        var n = network.State;
        return new NeuralStatus(
            net.LayerSizes.ToList(),
            net.ConnectionCount,
            net.HiddenActivation.ToString().ToLowerInvariant(),
            net.OutputActivation.ToString().ToLowerInvariant(),
            net.TrainingAlgorithm.ToString().ToLowerInvariant(),
            net.LearningRate,
            n.EpochsTrained,
            n.LastMse,
            outcomes.State.Samples.Count,
            n.Trained,
            n.LastTrainedAt,
            n.Network?.Length ?? 0);
    }

    private async Task<IReadOnlyList<AgentInfo>> AgentInfosAsync(AgentStatus? status)
    {
        var infos = await Task.WhenAll(state.State.Agents.Select(a => GrainFactory.GetGrain<IAgentGrain>(a.Id).GetInfo()));
        return infos.Where(i => status is null || i.Status == status).OrderBy(i => i.Slot).ToList();
    }
}
