using Orleans.Concurrency;

namespace SwarmCluster.Contracts.Agents;

/// <summary>Who an agent is; its status and metrics are the swarm's (computed from the task records).</summary>
[GenerateSerializer, Immutable, Alias("agent.profile")]
public sealed record AgentProfile(
    [property: Id(0)] string Id,
    [property: Id(1)] string SwarmId,
    [property: Id(2)] int Slot,
    [property: Id(3)] AgentType Type,
    [property: Id(4)] string Name,
    [property: Id(5)] IReadOnlyList<string> Capabilities,
    [property: Id(6)] CognitivePattern Pattern,
    [property: Id(7)] DateTimeOffset CreatedAt);

/// <summary>
/// One agent ("agent-…"): its profile, kept by the agent itself. The swarm's roster is the source of truth for
/// membership and slot; the agent calls no other grain.
/// </summary>
[Alias("swarm.IAgentGrain")]
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>Stores the profile; repeating the same profile is harmless (the swarm re-sends it after a crash).</summary>
    [Alias("Initialize")] Task Initialize(AgentProfile profile);

    [Alias("GetProfile"), ReadOnly] Task<AgentProfile> GetProfile();

    [Alias("SetCognitivePattern")] Task<AgentProfile> SetCognitivePattern(CognitivePattern pattern);

    /// <summary>Removes the agent's stored state (its swarm is being destroyed).</summary>
    [Alias("Retire")] Task Retire();
}
