using Orleans.Concurrency;
using SwarmCluster.Contracts.Agents;

namespace SwarmCluster.Contracts.Daa;

/// <summary>
/// The DAA layer of one swarm (keyed by the swarm id): its settings and every agent's learning record
/// (learning rate, feedback, adaptations, pattern history). Agents, tasks and the network stay the swarm's; this
/// grain calls the swarm, the memory grains and (only in Forget) the workflow grains; the swarm calls it only in
/// its Destroy (Forget), workflow grains only to bind a run (BindWorkflow).
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

    /// <summary>Records that a workflow (its grain key) ran in this swarm, so that <see cref="Forget"/> clears the run.</summary>
    [Alias("BindWorkflow")] Task BindWorkflow(string workflowKey);

    /// <summary>
    /// The swarm is being destroyed: clears the DAA row, the knowledge namespaces of <paramref name="agentIds"/> and of
    /// every agent it has a record of, and the workflow runs bound to the swarm. Returns the namespaces cleared.
    /// Called by the swarm's Destroy while this grain may be waiting for that very swarm (GetLearningStatus …): it
    /// interleaves, otherwise swarm → DAA → swarm would deadlock until the call timed out.
    /// </summary>
    [AlwaysInterleave, Alias("Forget")] Task<int> Forget(IReadOnlyList<string> agentIds);
}
