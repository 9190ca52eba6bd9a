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
/// One agent ("agent-…"), looked up by id alone. The swarm's roster is the one record of an agent: an agent whose id
/// names its swarm answers from it. Agents spawned before ids named their swarm keep the copy of their profile the
/// swarm wrote to them.
/// </summary>
[Alias("swarm.IAgentGrain")]
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>Who the agent is now; NotFound if its swarm does not have it (never spawned, or destroyed).</summary>
    [Alias("GetProfile"), ReadOnly] Task<AgentProfile> GetProfile();

    /// <summary>The profile copy stored here by swarms of earlier versions; null if there is none.</summary>
    [Alias("GetStoredProfile"), ReadOnly] Task<AgentProfile?> GetStoredProfile();

    /// <summary>Removes the agent's stored copy, if any (its swarm is being destroyed).</summary>
    [Alias("Retire")] Task Retire();
}
