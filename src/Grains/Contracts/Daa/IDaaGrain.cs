using SwarmCluster.Contracts.Agents;

namespace SwarmCluster.Contracts.Daa;

/// <summary>
/// The DAA layer of one swarm (keyed by the swarm id): its settings and every agent's learning record
/// (learning rate, feedback, adaptations, pattern history). Agents, tasks and the network stay the swarm's; this
/// grain calls the swarm and the memory grains, and nothing calls it back.
/// </summary>
[Alias("swarm.IDaaGrain")]
public interface IDaaGrain : IGrainWithStringKey
{
    [Alias("Initialize")] Task<DaaSettingsInfo> Initialize(DaaSettings settings);

    [Alias("GetSettings")] Task<DaaSettingsInfo> GetSettings();

    /// <summary>Creates the agent named by spec.Alias (its id is derived from the alias, so a repeat finds it).</summary>
    [Alias("CreateAgent")] Task<DaaAgentInfo> CreateAgent(DaaAgentSpec spec);

    /// <summary>Records feedback and applies the adaptation rule (see docs/daa.md).</summary>
    [Alias("Adapt")] Task<DaaAdaptation> Adapt(string agentId, DaaFeedback feedback);

    [Alias("GetLearningStatus")] Task<DaaLearningStatus> GetLearningStatus(string? agentId, bool detailed);

    [Alias("AnalyzePatterns")] Task<PatternAnalysis> AnalyzePatterns(string? agentId);

    [Alias("ChangePattern")] Task<PatternChangeResult> ChangePattern(string agentId, CognitivePattern pattern);

    [Alias("ShareKnowledge")] Task<KnowledgeShareResult> ShareKnowledge(KnowledgeShare share);

    [Alias("GetPerformance")] Task<DaaPerformance> GetPerformance(MetricsCategory category, TimeSpan window);

    /// <summary>Transfers the source swarm's routing network into this swarm and measures held-out accuracy before and after.</summary>
    [Alias("MetaLearn")] Task<TransferReport> MetaLearn(string sourceSwarmId, TransferMode mode, IReadOnlyList<string>? agentIds);
}
