namespace SwarmCluster.Contracts.Agents;

/// <summary>One agent ("agent-…"): profile, current assignment and the history its metrics come from.</summary>
[Alias("swarm.IAgentGrain")]
public interface IAgentGrain : IGrainWithStringKey
{
    [Alias("Initialize")] Task<AgentInfo> Initialize(string swarmId, int slot, AgentSpec spec);

    [Alias("GetInfo")] Task<AgentInfo> GetInfo();

    [Alias("Assign")] Task Assign(string taskId);

    /// <summary>Records how a task went and makes the agent idle again.</summary>
    [Alias("RecordOutcome")] Task RecordOutcome(AgentHistoryEntry entry);

    /// <summary>The task was cancelled: frees the agent from it without a history entry.</summary>
    [Alias("Release")] Task Release(string taskId);

    [Alias("GetHistory")] Task<IReadOnlyList<AgentHistoryEntry>> GetHistory();

    [Alias("SetCognitivePattern")] Task<AgentInfo> SetCognitivePattern(CognitivePattern pattern);

    /// <summary>Removes the agent's stored state (its swarm is being destroyed).</summary>
    [Alias("Retire")] Task Retire();
}
