using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Neural;

namespace SwarmCluster.Contracts.Daa;

/// <summary>How agent knowledge (daa_knowledge_share) is written: memory = write-behind, disk and auto = acknowledged after the database write.</summary>
public enum PersistenceMode { Auto, Memory, Disk }

public enum MetricsCategory { All, System, Performance, Efficiency, Neural }

/// <summary>daa_init's settings; a null member keeps the current value.</summary>
[GenerateSerializer, Immutable, Alias("daa.settings")]
public sealed record DaaSettings(
    [property: Id(0)] bool? EnableLearning,
    [property: Id(1)] bool? EnableCoordination,
    [property: Id(2)] PersistenceMode? Persistence);

[GenerateSerializer, Immutable, Alias("daa.settings-info")]
public sealed record DaaSettingsInfo(
    [property: Id(0)] string SwarmId,
    [property: Id(1)] bool EnableLearning,
    [property: Id(2)] bool EnableCoordination,
    [property: Id(3)] PersistenceMode Persistence,
    /// <summary>True when knowledge writes answer only once they are in the database.</summary>
    [property: Id(4)] bool KnowledgeAcknowledged,
    /// <summary>Null until daa_init: the defaults (learning and coordination on, auto) apply.</summary>
    [property: Id(5)] DateTimeOffset? InitializedAt,
    [property: Id(6)] int DaaAgents);

[GenerateSerializer, Immutable, Alias("daa.agent-spec")]
public sealed record DaaAgentSpec(
    [property: Id(0)] string Alias,
    [property: Id(1)] IReadOnlyList<string>? Capabilities,
    [property: Id(2)] CognitivePattern? Pattern,
    [property: Id(3)] double? LearningRate,
    [property: Id(4)] bool? EnableMemory);

/// <summary>An agent as the DAA layer sees it: the swarm's agent plus its learning settings and state.</summary>
[GenerateSerializer, Immutable, Alias("daa.agent")]
public sealed record DaaAgentInfo(
    [property: Id(0)] AgentInfo Agent,
    /// <summary>The id given to daa_agent_create (null for agents spawned otherwise).</summary>
    [property: Id(1)] string? Alias,
    [property: Id(2)] double LearningRate,
    [property: Id(3)] bool MemoryEnabled,
    /// <summary>Running estimate of the agent's feedback scores (null before any score).</summary>
    [property: Id(4)] double? PerformanceEstimate,
    /// <summary>False when the call found the agent already created with this id.</summary>
    [property: Id(5)] bool Created);

[GenerateSerializer, Immutable, Alias("daa.feedback")]
public sealed record DaaFeedback(
    [property: Id(0)] string? Text,
    [property: Id(1)] double? Score,
    [property: Id(2)] IReadOnlyList<string>? Suggestions);

[GenerateSerializer, Immutable, Alias("daa.feedback-entry")]
public sealed record DaaFeedbackEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string? Text,
    [property: Id(2)] double? Score,
    [property: Id(3)] IReadOnlyList<string> Suggestions);

/// <summary>What one daa_agent_adapt did and why.</summary>
[GenerateSerializer, Immutable, Alias("daa.adaptation")]
public sealed record DaaAdaptation(
    [property: Id(0)] string AgentId,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] double? Score,
    [property: Id(3)] double? EstimateBefore,
    [property: Id(4)] double? EstimateAfter,
    [property: Id(5)] CognitivePattern PatternBefore,
    [property: Id(6)] CognitivePattern PatternAfter,
    [property: Id(7)] int LowScoreStreak,
    [property: Id(8)] string Reason)
{
    public bool PatternChanged => PatternBefore != PatternAfter;
}

[GenerateSerializer, Immutable, Alias("daa.pattern-change")]
public sealed record DaaPatternChange(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] CognitivePattern? From,
    [property: Id(2)] CognitivePattern To,
    [property: Id(3)] string Reason);

/// <summary>
/// The routing network's held-out figures, the same measure routing learning reports (RoutingLearningStatus,
/// each training's before/after): on the outcomes held out of every training, the share whose result the network
/// predicted (its output for the credited agent, ≥ 0.5 = success) and the mean squared error against the targets.
/// </summary>
[GenerateSerializer, Immutable, Alias("daa.routing-accuracy")]
public sealed record RoutingAccuracy(
    [property: Id(0)] int HeldOut,
    [property: Id(1)] double? Accuracy,
    [property: Id(2)] double? Mse,
    [property: Id(3)] string Method);

[GenerateSerializer, Immutable, Alias("daa.agent-learning")]
public sealed record DaaAgentLearning(
    [property: Id(0)] DaaAgentInfo Agent,
    [property: Id(1)] int FeedbackCount,
    [property: Id(2)] double? AverageScore,
    [property: Id(3)] int LowScoreStreak,
    [property: Id(4)] int AdaptationCount,
    [property: Id(5)] int PatternSwitches,
    [property: Id(6)] int KnowledgeEntries,
    /// <summary>Filled only when detailed.</summary>
    [property: Id(7)] IReadOnlyList<DaaFeedbackEntry> Feedback,
    [property: Id(8)] IReadOnlyList<DaaAdaptation> Adaptations,
    [property: Id(9)] IReadOnlyList<DaaPatternChange> PatternHistory,
    [property: Id(10)] IReadOnlyList<AgentHistoryEntry> RecentOutcomes);

[GenerateSerializer, Immutable, Alias("daa.learning-status")]
public sealed record DaaLearningStatus(
    [property: Id(0)] DaaSettingsInfo Settings,
    [property: Id(1)] RoutingAccuracy RoutingAccuracy,
    [property: Id(2)] NeuralStatus Network,
    [property: Id(3)] IReadOnlyList<DaaAgentLearning> Agents);

[GenerateSerializer, Immutable, Alias("daa.pattern-performance")]
public sealed record PatternPerformance(
    [property: Id(0)] CognitivePattern Pattern,
    /// <summary>Agents using the pattern now.</summary>
    [property: Id(1)] int Agents,
    [property: Id(2)] int Completed,
    [property: Id(3)] int Failed,
    [property: Id(4)] double? SuccessRate,
    [property: Id(5)] double? AverageQuality,
    [property: Id(6)] int Scores,
    [property: Id(7)] double? AverageScore);

[GenerateSerializer, Immutable, Alias("daa.pattern-analysis")]
public sealed record PatternAnalysis(
    [property: Id(0)] string SwarmId,
    [property: Id(1)] string? AgentId,
    [property: Id(2)] IReadOnlyList<PatternPerformance> Patterns,
    [property: Id(3)] IReadOnlyList<DaaPatternChange> PatternHistory,
    [property: Id(4)] string Method);

[GenerateSerializer, Immutable, Alias("daa.pattern-changed")]
public sealed record PatternChangeResult(
    [property: Id(0)] AgentInfo Agent,
    [property: Id(1)] DaaPatternChange Change);

[GenerateSerializer, Immutable, Alias("daa.knowledge")]
public sealed record KnowledgeShare(
    [property: Id(0)] string SourceAgentId,
    [property: Id(1)] IReadOnlyList<string> TargetAgentIds,
    [property: Id(2)] string Domain,
    /// <summary>The knowledge as JSON text (an object).</summary>
    [property: Id(3)] string ContentJson);

[GenerateSerializer, Immutable, Alias("daa.knowledge-delivery")]
public sealed record KnowledgeDelivery(
    [property: Id(0)] string AgentId,
    [property: Id(1)] bool Delivered,
    /// <summary>The memory namespace holding the agent's knowledge (memory_usage can read it).</summary>
    [property: Id(2)] string? Namespace,
    [property: Id(3)] string? Key,
    [property: Id(4)] bool Durable,
    /// <summary>Entries in the agent's knowledge namespace after the write.</summary>
    [property: Id(5)] int KnowledgeEntries,
    [property: Id(6)] string? Reason);

[GenerateSerializer, Immutable, Alias("daa.knowledge-result")]
public sealed record KnowledgeShareResult(
    [property: Id(0)] string SwarmId,
    [property: Id(1)] string SourceAgentId,
    [property: Id(2)] string Domain,
    [property: Id(3)] int Delivered,
    [property: Id(4)] int Skipped,
    [property: Id(5)] IReadOnlyList<KnowledgeDelivery> Targets);

[GenerateSerializer, Immutable, Alias("daa.task-figures")]
public sealed record TaskWindowFigures(
    [property: Id(0)] int Created,
    [property: Id(1)] int Completed,
    [property: Id(2)] int Failed,
    [property: Id(3)] int Cancelled,
    [property: Id(4)] double? SuccessRate,
    [property: Id(5)] double? AverageDurationMs,
    [property: Id(6)] double? MedianDurationMs,
    [property: Id(7)] double? AverageQuality,
    [property: Id(8)] double? CompletedPerHour,
    /// <summary>True when only the newest tasks were scanned (the window may hold older ones).</summary>
    [property: Id(9)] bool Truncated);

[GenerateSerializer, Immutable, Alias("daa.efficiency")]
public sealed record EfficiencyFigures(
    [property: Id(0)] int Agents,
    [property: Id(1)] int BusyAgents,
    /// <summary>Summed claim time of finished tasks in the window over agents × window length.</summary>
    [property: Id(2)] double? Utilization,
    [property: Id(3)] int LeasesExpired,
    [property: Id(4)] double? AverageAttempts,
    [property: Id(5)] double? FeedbackAverageScore);

[GenerateSerializer, Immutable, Alias("daa.neural-figures")]
public sealed record NeuralFigures(
    [property: Id(0)] NeuralStatus Network,
    [property: Id(1)] RoutingAccuracy RoutingAccuracy,
    [property: Id(2)] long NetworkRuns,
    [property: Id(3)] int Adaptations,
    [property: Id(4)] int PatternSwitches);

[GenerateSerializer, Immutable, Alias("daa.performance")]
public sealed record DaaPerformance(
    [property: Id(0)] string SwarmId,
    [property: Id(1)] DateTimeOffset From,
    [property: Id(2)] DateTimeOffset To,
    [property: Id(3)] TaskWindowFigures? Performance,
    [property: Id(4)] EfficiencyFigures? Efficiency,
    [property: Id(5)] NeuralFigures? Neural);

public enum TransferMode { Adaptive, Direct, Gradual }

/// <summary>The network text of a swarm (libfann's FANN_FLO_2.1 .net format).</summary>
[GenerateSerializer, Immutable, Alias("daa.network-export")]
public sealed record NetworkExport(
    [property: Id(0)] string SwarmId,
    [property: Id(1)] byte[] FannText,
    [property: Id(2)] IReadOnlyList<int> Layers,
    [property: Id(3)] bool Trained,
    [property: Id(4)] int EpochsTrained);

[GenerateSerializer, Immutable, Alias("daa.transfer")]
public sealed record TransferReport(
    [property: Id(0)] string SourceSwarmId,
    [property: Id(1)] string TargetSwarmId,
    [property: Id(2)] TransferMode Mode,
    [property: Id(3)] RoutingAccuracy Before,
    [property: Id(4)] RoutingAccuracy After,
    [property: Id(5)] int FineTuneSamples,
    [property: Id(6)] int FineTuneEpochs,
    [property: Id(7)] double? BlendOfSource,
    [property: Id(8)] string Note);
