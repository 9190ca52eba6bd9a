using Orleans.Placement;
using Microsoft.Extensions.Logging;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Queen;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Queen;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains;

/// <summary>
/// The Queen of one hive, keyed by the swarm id. Plans with <see cref="ObjectivePlanner"/> (deterministic)
/// and builds the hive through the swarm's public calls; the swarm never calls her back.
/// </summary>
// Activation-count placement: the least-loaded worker gets new activations (the default piles them on one silo).
[GrainType("queen"), WorkerPlacement, ActivationCountBasedPlacement]
public sealed class QueenGrain(
    [PersistentState(StorageNames.Queen, StorageNames.Provider)] IPersistentState<QueenGrainState> state,
    ILogger<QueenGrain> logger) : Grain, IQueenGrain
{
    private string Id => this.GetPrimaryKeyString();

    public Task<SwarmPlan> Analyze(string objective, int? maxAgents, SwarmTopology? topology) =>
        Task.FromResult(ObjectivePlanner.Plan(objective, maxAgents, topology));

    public async Task<HiveResult> CreateHive(string objective, int? maxAgents, SwarmTopology? topology)
    {
        if (state.State.Exists)
        {
            throw new DomainException(ErrorKind.Conflict, $"hive '{Id}' already exists", "swarmId");
        }

        if (!GrainKeys.IsSwarmId(Id))
        {
            throw DomainException.Invalid("swarmId", $"'{Id}' is not a swarm id");
        }

        var plan = ObjectivePlanner.Plan(objective, maxAgents, topology);
        var swarm = GrainFactory.GetGrain<ISwarmGrain>(Id);
        var name = plan.Objective.Length <= 60 ? plan.Objective : plan.Objective[..60].TrimEnd() + "…";
        await swarm.Initialize(new SwarmConfig(plan.Topology, plan.Strategy, plan.MaxAgents, $"hive: {name}", plan.Objective));

        // Sequential on purpose: slots (network outputs) follow the plan's order, so a plan maps to the same roster.
        var agents = new List<AgentInfo>();
        foreach (var planned in plan.Agents)
        {
            agents.Add(await swarm.SpawnAgent(new AgentSpec(planned.Type, planned.Name, planned.Capabilities, planned.Pattern)));
        }

        var tasks = new List<TaskInfo>();
        foreach (var planned in plan.Tasks)
        {
            // Pin each task to its preferred type through that type's primary capability when the hive has one.
            IReadOnlyList<string>? required = plan.Agents.Any(a => a.Type == planned.PreferredAgentType)
                ? [AgentProfiles.DefaultCapabilities(planned.PreferredAgentType)[0]]
                : null;
            tasks.Add(await swarm.Orchestrate(new TaskSpec(planned.Description, planned.Priority, planned.Strategy, null, required)));
        }

        var now = DateTimeOffset.UtcNow;
        state.State = new QueenGrainState
        {
            Exists = true,
            Objective = plan.Objective,
            Plan = Stored(plan),
            CreatedAt = now,
            TaskIds = tasks.Select(t => t.Id).ToList(),
        };
        await state.WriteStateAsync();
        logger.LogInformation("Hive {SwarmId}: {Agents} agents, {Tasks} tasks, {Topology}", Id, agents.Count, tasks.Count, plan.Topology);
        return new HiveResult(Id, plan, agents, tasks, now);
    }

    /// <summary>The plan with concrete List&lt;T&gt; collections, the only kind the JSON state reader accepts.</summary>
    private static SwarmPlan Stored(SwarmPlan plan) => plan with
    {
        Agents = plan.Agents.Select(a => a with { Capabilities = a.Capabilities.ToList() }).ToList(),
        Tasks = plan.Tasks.ToList(),
        Rationale = plan.Rationale.ToList(),
    };

    public async Task<HiveResult> GetHive()
    {
        if (!state.State.Exists)
        {
            throw DomainException.NotFound("hive", Id, "swarmId");
        }

        var swarm = GrainFactory.GetGrain<ISwarmGrain>(Id);
        IReadOnlyList<AgentInfo> agents;
        try
        {
            agents = await swarm.ListAgents(null);
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.NotFound)
        {
            // The swarm was destroyed: the hive is gone with it.
            await state.ClearStateAsync();
            state.State = new QueenGrainState();
            throw DomainException.NotFound("hive", Id, "swarmId");
        }

        var tasks = await Task.WhenAll(state.State.TaskIds.Select(t => GrainFactory.GetGrain<ITaskGrain>(t).GetInfo(false)));
        return new HiveResult(Id, state.State.Plan!, agents, tasks, state.State.CreatedAt);
    }
}
