using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Orleans.Storage;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Daa;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Registry;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Contracts.Views;
using SwarmCluster.Fann;
using SwarmCluster.Grains.Learning;
using SwarmCluster.Grains.Neural;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;
using SwarmCluster.Grains.Tasks;

namespace SwarmCluster.Grains;

/// <summary>
/// A swarm. The grain orchestrates three parts that each own one concern: the roster (<see cref="SwarmRoster"/>),
/// the tasks (<see cref="SwarmTasks"/> over a <see cref="TaskBoard"/>: graph, queue, claims, leases, supervision)
/// and the routing network (<see cref="SwarmLearning"/>, the FANN network this grain alone owns).
/// <para>
/// Stored rows: "swarm" (configuration, roster, counters), "swarm-tasks-n" (the task index, one row per 64 tasks),
/// "swarm-actions" (supervision log), "swarm-network" (weights, written only when trained). No row grows with the
/// number of tasks beyond its page. Only "swarm" is read on every activation; the others only for a swarm that has
/// one (a new swarm's creation reads nothing else).
/// </para>
/// <para>
/// Calls: the swarm calls task grains, agent grains and the registry; none of them calls a swarm, and the Queen
/// calls the swarm but never the reverse. The DAA and workflow grains call the swarm; the swarm calls the DAA grain
/// only in Destroy, through a method that interleaves (IDaaGrain.Forget), so that cycle cannot deadlock. The grain
/// is not reentrant: claims and every other change run one at a time.
/// </para>
/// </summary>
// Random placement: activation counts are gossiped with a delay, so a burst of swarm_init calls all went to one
// fresh worker (11 of 11 once); swarms are the heavy grains (a network each), so spread them evenly by chance.
[GrainType("swarm"), WorkerPlacement, RandomPlacement]
public sealed class SwarmGrain(
    [PersistentState(StorageNames.Swarm, StorageNames.Provider)] IPersistentState<SwarmGrainState> state,
    [FromKeyedServices(StorageNames.Provider)] IGrainStorage storage,
    ILogger<SwarmGrain> logger) : Grain, ISwarmGrain, ISwarmContext, IIncomingGrainCallFilter
{
    // The other rows are read only once the "swarm" row has been written (see OnActivateAsync).
    private DeferredState<SwarmNetworkState> _network = null!;
    private DeferredState<SwarmCustomNetworkState> _customNetwork = null!;
    private DeferredState<SwarmActionLogState> _actionLog = null!;
    private static readonly TimeSpan TickPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CounterFlushPeriod = TimeSpan.FromSeconds(5);

    private SwarmLearning _learning = null!;
    private SwarmTasks? _tasks;
    // Counters bumped by read-only calls (network runs) are written with the next state write, by the timer, or on
    // deactivation, instead of one database write per network run.
    private bool _countersDirty;
    private OnDemandTimer _tick = null!;
    private DateTimeOffset _lastCounterFlush = DateTimeOffset.UtcNow;

    private string Id => this.GetPrimaryKeyString();

    private SwarmTasks Tasks => _tasks ?? throw DomainException.NotFound("swarm", Id, "swarmId");

    string ISwarmContext.SwarmId => Id;

    IGrainFactory ISwarmContext.GrainFactory => GrainFactory;

    private SwarmRoster Roster => new(Id, state.State);

    SwarmRoster ISwarmContext.Roster => Roster;

    SupervisionPolicy ISwarmContext.Policy => state.State.Supervision ?? SupervisionPolicy.None;

    int ISwarmContext.MaxAgents => state.State.MaxAgents;

    ILogger ISwarmContext.Logger => logger;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var grainId = this.GetGrainId();
        _network = new(storage, StorageNames.SwarmNetwork, grainId);
        _customNetwork = new(storage, StorageNames.SwarmCustomNetwork, grainId);
        _actionLog = new(storage, StorageNames.SwarmActions, grainId);
        // Initialize writes the "swarm" row before any other and a destroy keeps it (cleared), so a swarm whose row
        // has no version has no other rows: a new swarm starts without reading them.
        if (state.Etag is not null)
        {
            await Task.WhenAll(_network.ReadStateAsync(), _customNetwork.ReadStateAsync(), _actionLog.ReadStateAsync());
        }

        _learning = new SwarmLearning(Id, _network, _customNetwork, logger);
        if (state.State.Exists)
        {
            await StartTasksAsync(rowsStored: true);
            _learning.Open(state.State.MaxAgents, state.State.TrainEvery ?? SwarmLimits.DefaultTrainEvery, ReportedOutcomes());
            await ReportUsageAsync();
        }

        _tick = OnDemandTimer.Register(this, OnTickAsync, TickPeriod, () => TickNeeded);
    }

    /// <summary>Every call to the swarm: afterwards, start the tick if the call left leases, training or counters pending.</summary>
    async Task IIncomingGrainCallFilter.Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        finally
        {
            _tick.Arm();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            if (_countersDirty && state.State.Exists)
            {
                await state.WriteStateAsync();
            }
        }
        finally
        {
            _learning.Dispose();
        }
    }

    public async Task<SwarmInfo> Initialize(SwarmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var requestId = TaskSpecs.RequestId(config.RequestId);
        if (state.State.Exists)
        {
            if (requestId is not null && state.State.RequestId == requestId)
            {
                // The same request again: the swarm it created. Registering is idempotent; repeating it completes a
                // first attempt whose registration failed after the swarm's row was written.
                await GrainFactory.RegistryOf(GrainKeys.TenantOf(Id)).RegisterSwarm(Id);
                return Info();
            }

            throw new DomainException(ErrorKind.Conflict, $"swarm '{Id}' already exists", "swarmId");
        }

        if (!GrainKeys.IsSwarmId(Id))
        {
            throw DomainException.Invalid("swarmId", $"'{Id}' is not a swarm id (expected {GrainKeys.SwarmPrefix}<lower-case letters, digits, - or _>)");
        }

        Checks.Defined(config.Topology, "topology");
        Checks.Defined(config.Strategy, "strategy");
        Checks.Range(config.MaxAgents, "maxAgents", 1, SwarmLimits.MaxAgents);
        var name = Checks.Text(config.Name, "name", SwarmLimits.MaxNameLength, required: false);
        var objective = Checks.Text(config.Objective, "objective", SwarmLimits.MaxObjectiveLength, required: false);
        var trainEvery = config.TrainEvery ?? SwarmLimits.DefaultTrainEvery;
        Checks.Range(trainEvery, "trainEvery", 0, SwarmLimits.MaxTrainEvery);
        await GrainFactory.ClaimSwarmAsync(Id, 0, 0); // the tenant's swarm quota
        _learning.Create(config.MaxAgents, trainEvery);
        var rowsStored = state.Etag is not null; // a swarm destroyed earlier under this id left its rows

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
            RequestId = requestId,
            Supervision = config.Supervision,
            TrainEvery = config.TrainEvery,
        };
        await WriteStateAsync();
        await StartTasksAsync(rowsStored);
        await GrainFactory.RegistryOf(GrainKeys.TenantOf(Id)).RegisterSwarm(Id);
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
        await Tasks.RefreshAsync();
        var board = Tasks.Board;
        var counts = board.Counts();
        var agents = state.State.Agents.Select(a => Roster.Info(a, board.WorkOf(a.Id))).ToList();
        var busy = agents.Count(a => a.Status == AgentStatus.Busy);
        var s = state.State;
        var counters = new SwarmCounters(s.AgentsSpawned, board.Count, counts.Completed, counts.Failed, s.NetworkRuns, s.TrainingEpochs, s.LastActivity)
        {
            LeasesExpired = agents.Sum(a => a.Metrics.LeasesExpired),
            TasksCancelled = counts.Cancelled,
        };
        return new SwarmStatus(Info(), agents.Count - busy, busy, counts, counters, NeuralStatus(), verbose ? agents : []);
    }

    public async Task<AgentInfo> SpawnAgent(AgentSpec spec)
    {
        EnsureExists();
        ArgumentNullException.ThrowIfNull(spec);
        var requestId = TaskSpecs.RequestId(spec.RequestId);
        if (requestId is not null && Roster.ByRequest(requestId) is { } existing)
        {
            return Roster.Info(existing, Tasks.Board.WorkOf(existing.Id));
        }

        var entry = await SpawnCoreAsync(spec with { RequestId = requestId });
        return Roster.Info(entry, Tasks.Board.WorkOf(entry.Id));
    }

    public async Task<IReadOnlyList<AgentInfo>> ListAgents(AgentStatus? status)
    {
        EnsureExists();
        if (status is { } st)
        {
            Checks.Defined(st, "status");
        }

        await Tasks.RefreshAsync();
        var board = Tasks.Board;
        return state.State.Agents.Select(a => Roster.Info(a, board.WorkOf(a.Id)))
            .Where(a => status is null || a.Status == status).ToList();
    }

    public async Task<AgentInfo> GetAgent(string agentId)
    {
        EnsureExists();
        var entry = Roster.Require(agentId);
        await Tasks.RefreshAsync();
        return Roster.Info(entry, Tasks.Board.WorkOf(entry.Id));
    }

    public Task<IReadOnlyList<AgentHistoryEntry>> GetAgentHistory(string agentId, int limit)
    {
        EnsureExists();
        Roster.Require(agentId);
        Checks.Range(limit, "limit", 1, 1000);
        IReadOnlyList<AgentHistoryEntry> history = Tasks.Board.ReportedHolds()
            .Where(x => x.Hold.AgentId == agentId)
            .Select(x => new AgentHistoryEntry(x.Task.Id, x.Hold.Outcome == HoldOutcome.Completed,
                x.Hold.EndedAt is { } end ? (end - x.Hold.StartedAt).TotalMilliseconds : 0, x.Hold.Quality, x.Hold.EndedAt ?? x.Hold.StartedAt))
            .OrderByDescending(h => h.FinishedAt)
            .Take(limit)
            .ToList();
        return Task.FromResult(history);
    }

    public async Task<AgentInfo> SetAgentPattern(string agentId, CognitivePattern pattern)
    {
        EnsureExists();
        var entry = Roster.Require(agentId);
        Checks.Defined(pattern, "pattern");
        if (entry.Pattern != pattern)
        {
            entry.Pattern = pattern;
            await WriteStateAsync();
        }

        return Roster.Info(entry, Tasks.Board.WorkOf(entry.Id));
    }

    public async Task<TaskInfo> Orchestrate(TaskSpec spec)
    {
        EnsureExists();
        var info = await Tasks.OrchestrateAsync(spec);
        Touch();
        return info;
    }

    public async Task<IReadOnlyList<TaskInfo>> OrchestrateBatch(IReadOnlyList<TaskSpec> specs)
    {
        EnsureExists();
        var infos = await Tasks.OrchestrateBatchAsync(specs);
        Touch();
        return infos;
    }

    public Task<RoutingDecision> Rank(TaskSpec spec)
    {
        EnsureExists();
        var task = TaskSpecs.Normalize(spec, state.State.MaxAgents, state.State.Agents.Count);
        var candidates = Roster.WithCapabilities(task.RequiredCapabilities).Select(a => Roster.Candidate(a, Tasks.Board.WorkOf(a.Id))).ToList();
        var routing = new TaskText(task.Description, task.Priority, task.RequiredCapabilities);
        return Task.FromResult(((ISwarmContext)this).Route(routing, candidates, task.AgentCount).Decision);
    }

    public async Task<ClaimResult> Claim(ClaimRequest request)
    {
        EnsureExists();
        var result = await Tasks.ClaimAsync(request);
        Touch();
        return result;
    }

    public async Task<TaskInfo> ReportProgress(string taskId, string? agentId, double progress, string? message)
    {
        EnsureExists();
        var info = await Tasks.ProgressAsync(taskId, agentId, progress, message);
        Touch();
        return info;
    }

    public async Task<TaskInfo> CompleteTask(string taskId, TaskCompletion completion)
    {
        EnsureExists();
        var info = await Tasks.CompleteAsync(taskId, completion);
        Touch();
        return info;
    }

    public async Task<TaskCancelResult> CancelTask(string taskId, string? reason)
    {
        EnsureExists();
        var result = await Tasks.CancelAsync(taskId, reason);
        Touch();
        return result;
    }

    public Task<TaskInfo> GetTask(string taskId, bool detailed)
    {
        EnsureExists();
        return Tasks.GetAsync(taskId, detailed);
    }

    public Task<TaskListing> ListTasks(TaskState? status, bool detailed, int limit)
    {
        EnsureExists();
        return Tasks.ListAsync(status, detailed, limit);
    }

    public async Task<SwarmGraph> GetGraph()
    {
        EnsureExists();
        return await Tasks.GraphAsync(state.State.Supervision ?? SupervisionPolicy.None);
    }

    public Task<SupervisionReport> Supervise()
    {
        EnsureExists();
        return Tasks.SuperviseAsync(state.State.Supervision is null ? "swarm" : "queen");
    }

    public Task<float[]> Process(float[] input, NetworkKind network = NetworkKind.Routing)
    {
        EnsureExists();
        var output = _learning.Run(input, network);
        CountRuns(1);
        return Task.FromResult(output);
    }

    public Task<float[][]> ProcessBatch(float[][] inputs, NetworkKind network = NetworkKind.Routing)
    {
        EnsureExists();
        var outputs = _learning.RunBatch(inputs, network);
        CountRuns(inputs.Length);
        return Task.FromResult(outputs);
    }

    public async Task<TrainingResult> Train(IReadOnlyList<TrainingSample> samples, int epochs, CancellationToken cancellationToken = default)
    {
        EnsureExists();
        var result = await _learning.TrainCustomAsync(samples, epochs, cancellationToken);
        await RecordTrainingAsync(result.EpochMse.Count);
        return result;
    }

    public async Task<TrainingResult> TrainOnOutcomes(int epochs, CancellationToken cancellationToken = default)
    {
        EnsureExists();
        var entry = await _learning.TrainRoutingAsync(TrainingTrigger.Manual, epochs, cancellationToken)
            ?? throw new DomainException(ErrorKind.Unavailable, $"swarm '{Id}' changed while training; nothing was applied");
        await RecordTrainingAsync(entry.Epochs);
        return new TrainingResult(entry.EpochMse, entry.Samples, TrainingSource.RecordedOutcomes, entry.DurationMs, _network.State.EpochsTrained);
    }

    public Task<NeuralStatus> GetNeuralStatus()
    {
        EnsureExists();
        return Task.FromResult(NeuralStatus());
    }

    public async Task<SwarmViewPart> GetView(int recentDecisions)
    {
        Checks.Range(recentDecisions, "recentDecisions", 0, ViewLimits.RecentDecisions);
        var status = await GetStatus(verbose: true);
        var graph = await GetGraph();
        var decisions = recentDecisions == 0 ? [] : await Tasks.RecentDecisionsAsync(recentDecisions);
        return new SwarmViewPart(status, graph, decisions);
    }

    public Task<NetworkExport> ExportNetwork()
    {
        EnsureExists();
        var n = NeuralStatus();
        return Task.FromResult(new NetworkExport(Id, _learning.RoutingBytes(), n.Layers, n.RoutingUsesNetwork, n.EpochsTrained));
    }

    public async Task<NeuralStatus> ImportNetwork(byte[] fannText)
    {
        EnsureExists();
        var imported = NetworkTransfer.Load(fannText, SwarmLearning.Layers(state.State.MaxAgents), "network", Id);
        await _learning.AdoptAsync(imported, TrainingTrigger.Imported);
        Touch();
        logger.LogInformation("Swarm {SwarmId}: routing network imported ({Bytes} bytes)", Id, fannText.Length);
        return NeuralStatus();
    }

    /// <summary>FANN .data pairs are supplied samples: like neural_train's, they train the custom network, never routing.</summary>
    public async Task<TrainingResult> TrainOnFannData(byte[] fannData, int epochs)
    {
        EnsureExists();
        var samples = FannDataText.Samples(fannData, RoutingNetwork.InputSize, state.State.MaxAgents, "trainingData", Id);
        return await Train(samples, epochs);
    }

    public Task<RoutingAccuracy> GetRoutingAccuracy(IReadOnlyList<string>? agentIds)
    {
        EnsureExists();
        return Task.FromResult(HeldOutAccuracy(SlotsOf(agentIds, "agentIds")));
    }

    public async Task<TransferReport> TransferNetwork(NetworkExport source, TransferMode mode, IReadOnlyList<string>? agentIds)
    {
        EnsureExists();
        ArgumentNullException.ThrowIfNull(source);
        Checks.Defined(mode, "transferMode");
        var slots = SlotsOf(agentIds, "agentIds");
        var before = HeldOutAccuracy(slots);
        var incoming = NetworkTransfer.Load(source.FannText, SwarmLearning.Layers(state.State.MaxAgents), "sourceDomain", Id);
        double? blend = null;
        if (mode == TransferMode.Gradual)
        {
            NeuralNetwork mixed;
            try
            {
                mixed = _learning.CopyRouting();
                try
                {
                    NetworkTransfer.Blend(mixed, incoming, DaaLimits.GradualBlend);
                }
                catch
                {
                    mixed.Dispose();
                    throw;
                }
            }
            finally
            {
                incoming.Dispose();
            }

            blend = DaaLimits.GradualBlend;
            incoming = mixed;
        }

        await _learning.AdoptAsync(incoming, TrainingTrigger.Transferred);
        var fineTuneSamples = 0;
        var epochs = 0;
        if (mode == TransferMode.Adaptive && _learning.TrainableOutcomes is > 0 and var trainable)
        {
            var run = (int)Math.Max(1, Math.Min(DaaLimits.AdaptiveFineTuneEpochs, SwarmLimits.MaxTrainingWork / trainable));
            if (await _learning.TrainRoutingAsync(TrainingTrigger.FineTuned, run) is { } entry)
            {
                (fineTuneSamples, epochs) = (entry.Samples, entry.Epochs);
                state.State.TrainingEpochs += entry.Epochs;
            }
        }

        await RecordTrainingAsync(0);
        var after = HeldOutAccuracy(slots);
        var note = mode switch
        {
            TransferMode.Direct => $"copied the weights of {source.SwarmId}",
            TransferMode.Gradual => $"blended: every weight = {1 - DaaLimits.GradualBlend:0.##}·own + {DaaLimits.GradualBlend:0.##}·{source.SwarmId}'s",
            _ when epochs == 0 => $"copied the weights of {source.SwarmId}; no trainable outcomes of this swarm recorded to fine-tune on",
            _ => $"copied the weights of {source.SwarmId}, then trained {epochs} epochs on this swarm's {fineTuneSamples} trainable outcomes (held-out ones excluded)",
        };
        if (!source.Trained)
        {
            note += $"; note: {source.SwarmId}'s network was never trained";
        }

        logger.LogInformation("Swarm {SwarmId}: network transferred from {Source} ({Mode}): held-out accuracy {Before} → {After}", Id, source.SwarmId, mode, before.Accuracy, after.Accuracy);
        return new TransferReport(source.SwarmId, Id, mode, before, after, fineTuneSamples, epochs, blend, note);
    }

    public async Task<SwarmDestroyResult> Destroy()
    {
        EnsureExists();
        var agents = state.State.Agents.Select(a => a.Id).ToList();
        var cancelled = await Tasks.DestroyAsync();
        // Agents spawned by earlier versions hold a copy of their profile: it goes with them.
        await Task.WhenAll(agents.Select(a => GrainFactory.GetGrain<IAgentGrain>(a).Retire()));
        // The DAA row, the agents' knowledge and bound workflow runs go with the swarm. Forget interleaves in the DAA
        // grain, which may itself be waiting for this (non-reentrant) swarm: no deadlock.
        await GrainFactory.GetGrain<IDaaGrain>(Id).Forget(agents);
        await GrainFactory.RegistryOf(GrainKeys.TenantOf(Id)).UnregisterSwarm(Id);
        await GrainFactory.ReleaseSwarmAsync(Id);
        await Task.WhenAll(_learning.ClearAsync(), ClearLegacyOutcomesAsync());
        await state.ClearStateAsync(); // last: while other rows may remain, the swarm row keeps its version (OnActivateAsync)
        state.State = new SwarmGrainState();
        _tasks = null;
        _countersDirty = false;
        logger.LogInformation("Swarm {SwarmId} destroyed: {Agents} agents retired, {Tasks} tasks cancelled", Id, agents.Count, cancelled);
        DeactivateOnIdle();
        return new SwarmDestroyResult(Id, agents.Count, cancelled);
    }

    // ---- ISwarmContext ----

    (RoutingDecision Decision, IReadOnlyList<string> Chosen) ISwarmContext.Route(TaskText task, IReadOnlyList<RoutingCandidate> candidates, int count)
    {
        var scores = _learning.Scores(task);
        if (scores is not null)
        {
            CountRuns(1);
        }

        // The exploration bonus decays with what each agent has finished, as the outcome log counts it.
        var counted = candidates.Select(c => c with { FinishedTasks = _learning.FinishedTasks(c.Slot) }).ToList();
        return TaskRouter.Route(task, state.State.Strategy, counted, scores, count, scores is null ? null : _learning.Note());
    }

    async Task<(string? AgentId, string Reason)> ISwarmContext.SpawnForAsync(IReadOnlyList<string> capabilities, string taskId)
    {
        var s = state.State;
        if (s.Agents.Count >= s.MaxAgents)
        {
            return (null, $"task {taskId} needs {string.Join(", ", capabilities)} and no agent has them; the swarm is full (maxAgents {s.MaxAgents})");
        }

        var type = AgentProfiles.TypeFor(capabilities);
        SwarmAgentEntry entry;
        try
        {
            entry = await SpawnCoreAsync(new AgentSpec(type, null, AgentProfiles.DefaultCapabilities(type).Union(capabilities).ToList()));
        }
        catch (DomainException e) when (e.Kind == ErrorKind.CapacityExceeded)
        {
            return (null, $"task {taskId} needs {string.Join(", ", capabilities)}: {e.Message}");
        }

        return (entry.Id, $"task {taskId} needs {string.Join(", ", capabilities)}: spawned {entry.Name} ({type.ToString().ToLowerInvariant()})");
    }

    void ISwarmContext.Learned(TaskIndexEntry task)
    {
        var due = false;
        foreach (var hold in task.Holds.Where(h => h.Outcome is HoldOutcome.Completed or HoldOutcome.Failed))
        {
            if (Roster.Find(hold.AgentId) is { } agent)
            {
                due |= _learning.Record(task, hold, agent.Slot);
            }
        }

        if (due)
        {
            _ = TrainInBackgroundAsync();
        }
    }

    // ---- helpers ----

    /// <summary>Opens the task board; without <paramref name="rowsStored"/> (a new swarm) there is no page to read.</summary>
    private async Task StartTasksAsync(bool rowsStored)
    {
        var pages = new TaskPageStore(storage, this.GetGrainId()) { NoneStored = !rowsStored };
        var tasks = new SwarmTasks(this, new TaskBoard(), pages, new SwarmActionLog(_actionLog));
        var legacy = state.State.TaskIds.ToList();
        await tasks.ActivateAsync(legacy);
        _tasks = tasks;
        var migrated = legacy.Count > 0 || state.State.TaskStates.Count > 0;
        foreach (var entry in state.State.Agents.Where(a => a.Pattern is null))
        {
            // Rows from before the roster kept profiles: the agent grain's stored copy has the pattern and creation
            // time (its stored copy, not GetProfile: that asks this swarm, which is still activating).
            var profile = await GrainFactory.GetGrain<IAgentGrain>(entry.Id).GetStoredProfile();
            entry.Pattern = profile?.Pattern ?? AgentProfiles.DefaultPattern(entry.Type);
            entry.CreatedAt = profile?.CreatedAt ?? entry.CreatedAt;

            entry.ActiveTaskIds = [];
            migrated = true;
        }

        if (migrated)
        {
            state.State.TaskIds = [];
            state.State.TaskStates = [];
            await WriteStateAsync();
            logger.LogInformation("Swarm {SwarmId}: moved {Tasks} tasks into the task index", Id, legacy.Count);
        }

    }

    private async Task<SwarmAgentEntry> SpawnCoreAsync(AgentSpec spec)
    {
        var id = spec.RequestId is { } r ? GrainKeys.AgentIdForRequest(Id, r) : GrainKeys.NewAgentId(Id);
        await GrainFactory.ClaimSwarmAsync(Id, state.State.Agents.Count + 1, Tasks.Board.Count); // the tenant's agent quota
        var entry = Roster.Add(spec, id, DateTimeOffset.UtcNow);
        Touch();
        try
        {
            await WriteStateAsync();
        }
        catch
        {
            state.State.Agents.Remove(entry);
            throw;
        }

        return entry;
    }

    /// <summary>The tenant's usage counts converge on what this swarm really holds (after a crash, say); never fails activation.</summary>
    private async Task ReportUsageAsync()
    {
        try
        {
            await GrainFactory.ReportSwarmAsync(Id, state.State.Agents.Count, Tasks.Board.Count);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Swarm {SwarmId}: could not report its usage", Id);
        }
    }

    /// <summary>Every reported result in the task index, oldest first, with the slot of the agent that reported it.</summary>
    private IEnumerable<(TaskIndexEntry Task, TaskHold Hold, int Slot)> ReportedOutcomes()
    {
        var slots = state.State.Agents.ToDictionary(a => a.Id, a => a.Slot);
        return Tasks.Board.ReportedHolds()
            .Where(x => slots.ContainsKey(x.Hold.AgentId))
            .Select(x => (x.Task, x.Hold, slots[x.Hold.AgentId]));
    }

    /// <summary>
    /// An automatic training: the copy trains off the scheduler while the swarm keeps serving calls. If it fails or
    /// the grain deactivates meanwhile, the outcomes stay untrained and the next due check (next outcome or tick)
    /// starts it again.
    /// </summary>
    private async Task TrainInBackgroundAsync()
    {
        try
        {
            if (await _learning.TrainRoutingAsync(TrainingTrigger.Automatic) is { } entry)
            {
                state.State.TrainingEpochs += entry.Epochs;
                _countersDirty = true;
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Swarm {SwarmId}: automatic training of the routing network failed; it is retried at the next due check", Id);
        }
    }

    private async Task RecordTrainingAsync(int epochs)
    {
        state.State.TrainingEpochs += epochs;
        Touch();
        await WriteStateAsync();
    }

    private async Task OnTickAsync(CancellationToken cancellationToken)
    {
        if (!state.State.Exists || _tasks is null)
        {
            return;
        }

        try
        {
            if (_tasks.Board.HasHeldTasks)
            {
                await _tasks.ExpireLeasesAsync("lease-timer");
            }

            if (_learning.TrainingDue)
            {
                _ = TrainInBackgroundAsync(); // e.g. outcomes left untrained by a restart
            }

            if (_countersDirty && DateTimeOffset.UtcNow - _lastCounterFlush >= CounterFlushPeriod)
            {
                await WriteStateAsync();
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Swarm {SwarmId}: supervision tick failed; retrying on the next tick", Id);
        }
    }

    /// <summary>What the tick looks after: held leases to expire, a due training, counters to write.</summary>
    private bool TickNeeded => state.State.Exists && _tasks is not null && (_tasks.Board.HasHeldTasks || _learning.TrainingDue || _countersDirty);

    private void Touch() => state.State.LastActivity = DateTimeOffset.UtcNow;

    private void CountRuns(int runs)
    {
        state.State.NetworkRuns += runs;
        Touch();
        _countersDirty = true;
    }

    /// <summary>
    /// Writes the swarm row. If it fails the in-memory state may be ahead of the database: deactivate so the next
    /// call reloads what is really stored.
    /// </summary>
    private async Task WriteStateAsync()
    {
        await state.WriteOrReloadAsync(DeactivateOnIdle);
        _countersDirty = false;
        _lastCounterFlush = DateTimeOffset.UtcNow;
    }

    /// <summary>The outcome row of swarms from before the task index, read only here to remove it with the swarm.</summary>
    private async Task ClearLegacyOutcomesAsync()
    {
        var legacy = new DeferredState<SwarmOutcomeState>(storage, StorageNames.SwarmOutcomes, this.GetGrainId());
        await legacy.ReadStateAsync();
        if (legacy.RecordExists)
        {
            await legacy.ClearStateAsync();
        }
    }

    private void EnsureExists()
    {
        if (!state.State.Exists || _tasks is null)
        {
            throw DomainException.NotFound("swarm", Id, "swarmId");
        }
    }

    private SwarmInfo Info()
    {
        var s = state.State;
        return new SwarmInfo(Id, s.Name, s.Topology, s.Strategy, s.MaxAgents, s.Agents.Count, s.CreatedAt, s.Objective, SwarmLearning.Layers(s.MaxAgents))
        {
            RequestId = s.RequestId,
            Supervision = s.Supervision ?? SupervisionPolicy.None,
        };
    }

    /// <summary>Held-out routing accuracy, as the routing network measures it (<see cref="RoutingNetwork.EvaluateHeldOut()"/>); the one place the daa tools read it.</summary>
    private RoutingAccuracy HeldOutAccuracy(IReadOnlyCollection<int>? slots)
    {
        var score = _learning.HeldOut(slots);
        return new RoutingAccuracy(score.Count, score.Accuracy, score.Mse, score.Count > 0 ? RoutingAccuracyMethod : RoutingAccuracyMethod + "; none held out yet, so no figures");
    }

    private const string RoutingAccuracyMethod =
        "the routing network's held-out outcomes (one in five by task-id hash, never trained on; a swarm's first trainable outcome is never held out): " +
        "share where its output for the credited agent (≥ 0.5 = success) matched what happened; MSE against the outcome's target";

    /// <summary>Null (every held-out outcome) without agentIds, else the slots of those agents.</summary>
    private List<int>? SlotsOf(IReadOnlyList<string>? agentIds, string parameter) =>
        agentIds is null or { Count: 0 } ? null : agentIds.Select(a => Roster.Require(a, parameter).Slot).Distinct().ToList();

    private NeuralStatus NeuralStatus() => _learning.Status();
}
