using Orleans.Placement;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains;

/// <summary>
/// One agent, looked up by its id alone. An agent whose id names its swarm (every agent spawned since ids did) is
/// answered from that swarm's roster, the one record of who the agent is; nothing is copied, so nothing can go stale
/// or be lost. Agents from before keep the profile copy their swarm wrote here, and give it back.
/// </summary>
// Activation-count placement: the least-loaded worker gets new activations (the default piles them on one silo).
[GrainType("agent"), WorkerPlacement, ActivationCountBasedPlacement]
public sealed class AgentGrain(
    [PersistentState(StorageNames.Agent, StorageNames.Provider)] IPersistentState<AgentGrainState> state) : Grain, IAgentGrain
{
    private string Id => this.GetPrimaryKeyString();

    public async Task<AgentProfile> GetProfile()
    {
        if (GrainKeys.SwarmOf(Id) is not { } swarmId)
        {
            return await GetStoredProfile() ?? throw NotFound();
        }

        try
        {
            var agent = await GrainFactory.GetGrain<ISwarmGrain>(swarmId).GetAgent(Id);
            return new AgentProfile(agent.Id, agent.SwarmId, agent.Slot, agent.Type, agent.Name, agent.Capabilities, agent.Pattern, agent.CreatedAt);
        }
        catch (DomainException e) when (e.Kind == ErrorKind.NotFound)
        {
            throw NotFound(); // no such swarm, or not in its roster
        }
    }

    public Task<AgentProfile?> GetStoredProfile()
    {
        var s = state.State;
        return Task.FromResult(s.Exists
            ? new AgentProfile(Id, s.SwarmId, s.Slot, s.Type, s.Name, s.Capabilities.ToList(), s.Pattern, s.CreatedAt)
            : null);
    }

    public async Task Retire()
    {
        if (state.State.Exists || state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        state.State = new AgentGrainState();
        DeactivateOnIdle();
    }

    private DomainException NotFound() => DomainException.NotFound("agent", Id, "agentId");
}
