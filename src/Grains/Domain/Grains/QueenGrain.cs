using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Queen;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.Queen;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains;

/// <summary>
/// The Queen of one hive, keyed by the swarm id. She plans with <see cref="ObjectivePlanner"/> (deterministic),
/// builds the hive through the swarm's public calls, and supervises it from a reminder: every tick asks the
/// swarm to supervise itself under her policy (retry a failure once elsewhere, spawn agents for work nobody can
/// take, expire leases). The swarm never calls her, so no call cycle can form.
/// <para>
/// Building is resumable: her state is written before the swarm exists, every creating call carries a request id
/// derived from her key, so a crash halfway and a repeat finish the same hive instead of a second one.
/// </para>
/// </summary>
// Activation-count placement: the least-loaded worker gets new activations (the default piles them on one silo).
[GrainType("queen"), WorkerPlacement, ActivationCountBasedPlacement]
public sealed class QueenGrain(
    [PersistentState(StorageNames.Queen, StorageNames.Provider)] IPersistentState<QueenGrainState> state,
    IOptions<SupervisionOptions> supervision,
    ILogger<QueenGrain> logger) : Grain, IQueenGrain, IRemindable
{
    public const string SupervisionReminder = "supervise";

    private string Id => this.GetPrimaryKeyString();

    private ISwarmGrain Swarm => GrainFactory.GetGrain<ISwarmGrain>(Id);

    private bool Built => state.State.Built || (state.State.Plan is { } plan && state.State.TaskIds.Count == plan.Tasks.Count && state.State.TaskIdsByKey.Count == 0);

    public Task<SwarmPlan> Analyze(string objective, int? maxAgents, SwarmTopology? topology) =>
        Task.FromResult(ObjectivePlanner.Plan(objective, maxAgents, topology));

    public async Task<HiveResult> CreateHive(string objective, int? maxAgents, SwarmTopology? topology)
    {
        if (!GrainKeys.IsSwarmId(Id))
        {
            throw DomainException.Invalid("swarmId", $"'{Id}' is not a swarm id");
        }

        if (state.State.Exists && Built)
        {
            return await GetHive();
        }

        if (!state.State.Exists)
        {
            var plan = ObjectivePlanner.Plan(objective, maxAgents, topology);
            state.State = new QueenGrainState
            {
                Exists = true,
                Objective = plan.Objective,
                Plan = Stored(plan),
                CreatedAt = DateTimeOffset.UtcNow,
                MaxAgents = maxAgents,
                Topology = topology,
            };
            await state.WriteStateAsync();
        }

        return await BuildAsync();
    }

    public async Task<HiveResult> GetHive()
    {
        if (!state.State.Exists || !Built)
        {
            throw DomainException.NotFound("hive", Id, "swarmId");
        }

        try
        {
            var agents = await Swarm.ListAgents(null);
            var tasks = new List<TaskInfo>();
            foreach (var id in state.State.TaskIds)
            {
                tasks.Add(await Swarm.GetTask(id, false));
            }

            return new HiveResult(Id, state.State.Plan!, agents, tasks, state.State.CreatedAt);
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.NotFound && ex.Parameter == "swarmId")
        {
            await ForgetAsync(); // the swarm was destroyed: the hive is gone with it
            throw DomainException.NotFound("hive", Id, "swarmId");
        }
    }

    public async Task<QueenStatus> GetStatus()
    {
        var graph = await Swarm.GetGraph();
        return new QueenStatus(Id, state.State.Exists ? state.State.Plan : null,
            new Dictionary<string, string>(state.State.TaskIdsByKey), graph, state.State.LastSupervisedAt);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Supervision writes its time stamp only in memory: one write per hive and period would cost more than it tells.
        if (reminderName != SupervisionReminder)
        {
            return;
        }

        if (!state.State.Exists)
        {
            await StopSupervisingAsync();
            return;
        }

        try
        {
            var report = await Swarm.Supervise();
            state.State.LastSupervisedAt = DateTimeOffset.UtcNow;
            if (report.Actions.Count > 0)
            {
                logger.LogInformation("Queen {SwarmId}: {Actions} supervision action(s): {Kinds}", Id, report.Actions.Count,
                    string.Join(", ", report.Actions.Select(a => a.Kind)));
            }
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.NotFound && ex.Parameter == "swarmId")
        {
            await ForgetAsync();
        }
    }

    private async Task<HiveResult> BuildAsync()
    {
        var plan = state.State.Plan!;
        var name = plan.Objective.Length <= 60 ? plan.Objective : plan.Objective[..60].TrimEnd() + "…";
        await Swarm.Initialize(new SwarmConfig(plan.Topology, plan.Strategy, plan.MaxAgents, $"hive: {name}", plan.Objective)
        {
            RequestId = "hive:" + Id,
            Supervision = SupervisionPolicy.Queen,
        });

        // Sequential on purpose: slots (network outputs) follow the plan's order, so a plan maps to the same roster.
        var agents = new List<AgentInfo>();
        for (var i = 0; i < plan.Agents.Count; i++)
        {
            var planned = plan.Agents[i];
            agents.Add(await Swarm.SpawnAgent(new AgentSpec(planned.Type, planned.Name, planned.Capabilities, planned.Pattern) { RequestId = $"hive-agent-{i}" }));
        }

        var specs = plan.Tasks.Select((planned, i) =>
        {
            var key = planned.Key.Length > 0 ? planned.Key : $"t{i + 1}";
            // Pin each task to its preferred type through that type's primary capability when the hive has one.
            IReadOnlyList<string>? required = plan.Agents.Any(a => a.Type == planned.PreferredAgentType)
                ? [AgentProfiles.DefaultCapabilities(planned.PreferredAgentType)[0]]
                : null;
            return new TaskSpec(planned.Description, planned.Priority, planned.Strategy, null, required)
            {
                Key = key,
                DependsOn = planned.DependsOn.ToList(),
                RequestId = $"hive-task-{key}",
                Assign = false, // the hive's work waits in the queue for workers to claim
            };
        }).ToList();
        var tasks = specs.Count == 0 ? [] : await Swarm.OrchestrateBatch(specs);

        state.State.TaskIds = tasks.Select(t => t.Id).ToList();
        state.State.TaskIdsByKey = specs.Zip(tasks).ToDictionary(x => x.First.Key!, x => x.Second.Id, StringComparer.Ordinal);
        state.State.Built = true;
        await state.WriteStateAsync();
        // The swarm's own timer expires leases while it is active; the reminder covers the rest, across restarts.
        await this.RegisterOrUpdateReminder(SupervisionReminder, supervision.Value.Period, supervision.Value.Period);
        logger.LogInformation("Hive {SwarmId}: {Agents} agents, {Tasks} tasks, {Topology}", Id, agents.Count, tasks.Count, plan.Topology);
        return new HiveResult(Id, plan, agents, tasks, state.State.CreatedAt);
    }

    private async Task ForgetAsync()
    {
        await StopSupervisingAsync();
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        state.State = new QueenGrainState();
    }

    private async Task StopSupervisingAsync()
    {
        if (await this.GetReminder(SupervisionReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>The plan with concrete List&lt;T&gt; collections, the only kind the JSON state reader accepts.</summary>
    private static SwarmPlan Stored(SwarmPlan plan) => plan with
    {
        Agents = plan.Agents.Select(a => a with { Capabilities = a.Capabilities.ToList() }).ToList(),
        Tasks = plan.Tasks.Select(t => t with { DependsOn = t.DependsOn.ToList() }).ToList(),
        Rationale = plan.Rationale.ToList(),
    };
}
