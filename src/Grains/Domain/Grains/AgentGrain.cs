using Orleans.Placement;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains;

/// <summary>
/// One agent: its profile, as its swarm last sent it. What the agent does and how well is counted by its swarm
/// from the task records, so nothing here can disagree with them. Calls no other grain.
/// </summary>
// Activation-count placement: the least-loaded worker gets new activations (the default piles them on one silo).
[GrainType("agent"), WorkerPlacement, ActivationCountBasedPlacement]
public sealed class AgentGrain(
    [PersistentState(StorageNames.Agent, StorageNames.Provider)] IPersistentState<AgentGrainState> state) : Grain, IAgentGrain
{
    private string Id => this.GetPrimaryKeyString();

    public async Task Initialize(AgentProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (!GrainKeys.IsAgentId(Id))
        {
            throw DomainException.Invalid("agentId", $"'{Id}' is not an agent id");
        }

        if (!GrainKeys.IsSwarmId(profile.SwarmId))
        {
            throw DomainException.Invalid("swarmId", $"'{profile.SwarmId}' is not a swarm id");
        }

        if (state.State.Exists && state.State.SwarmId != profile.SwarmId)
        {
            throw new DomainException(ErrorKind.Conflict, $"agent '{Id}' belongs to swarm '{state.State.SwarmId}'", "agentId");
        }

        var s = state.State;
        s.Exists = true;
        s.SwarmId = profile.SwarmId;
        s.Slot = Checks.Range(profile.Slot, "slot", 0, SwarmLimits.MaxAgents - 1);
        s.Type = Checks.Defined(profile.Type, "type");
        s.Name = Checks.Text(profile.Name, "name", SwarmLimits.MaxNameLength);
        s.Capabilities = profile.Capabilities.ToList();
        s.Pattern = Checks.Defined(profile.Pattern, "pattern");
        s.CreatedAt = profile.CreatedAt;
        await WriteAsync();
    }

    public Task<AgentProfile> GetProfile()
    {
        EnsureExists();
        var s = state.State;
        return Task.FromResult(new AgentProfile(Id, s.SwarmId, s.Slot, s.Type, s.Name, s.Capabilities.ToList(), s.Pattern, s.CreatedAt));
    }

    public async Task<AgentProfile> SetCognitivePattern(CognitivePattern pattern)
    {
        EnsureExists();
        Checks.Defined(pattern, "pattern");
        if (state.State.Pattern != pattern)
        {
            state.State.Pattern = pattern;
            await WriteAsync();
        }

        return await GetProfile();
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

    private Task WriteAsync() => state.WriteOrReloadAsync(DeactivateOnIdle);

    private void EnsureExists()
    {
        if (!state.State.Exists)
        {
            throw DomainException.NotFound("agent", Id, "agentId");
        }
    }
}
