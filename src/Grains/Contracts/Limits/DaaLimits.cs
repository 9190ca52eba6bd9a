namespace SwarmCluster.Contracts;

/// <summary>Limits of the daa_* tools: agent aliases, feedback, knowledge, workflows, network transfer.</summary>
public static class DaaLimits
{
    /// <summary>A daa_agent_create id (it becomes the agent's name and alias).</summary>
    public const int MaxAliasLength = 48;

    public const double DefaultLearningRate = 0.1;
    public const int MaxFeedbackLength = 2000;
    public const int MaxSuggestions = 20;
    public const int MaxSuggestionLength = 500;

    /// <summary>Feedback entries and adaptations kept per agent (older ones are counted, not kept).</summary>
    public const int MaxHistory = 200;

    /// <summary>A performanceScore below this counts as low.</summary>
    public const double LowScore = 0.5;

    /// <summary>This many low scores in a row switch the agent's cognitive pattern.</summary>
    public const int LowScoreStreak = 3;

    public const int MaxKnowledgeDomainLength = 128;

    /// <summary>Knowledge content is stored as one memory entry per target.</summary>
    public const int MaxKnowledgeBytes = Memory.MemoryLimits.MaxValueBytes;

    public const int MaxWorkflowIdLength = 48;
    public const int MaxWorkflowSteps = TaskLimits.MaxBatchTasks;
    public const int MaxStepIdLength = TaskLimits.MaxTaskKeyLength;

    /// <summary>Epochs of the adaptive transfer's fine-tuning on the target's own trainable outcomes (fewer when samples × epochs would exceed SwarmLimits.MaxTrainingWork).</summary>
    public const int AdaptiveFineTuneEpochs = 50;

    /// <summary>Share of the source weights in a gradual transfer: target = (1 − b)·target + b·source.</summary>
    public const double GradualBlend = 0.5;

    /// <summary>Largest FANN .net text neural_import accepts (a [128,64,32,100] network is about 0.4 MB).</summary>
    public const int MaxNetworkTextBytes = 4 * 1024 * 1024;

    /// <summary>Largest FANN .data text neural_import accepts.</summary>
    public const int MaxTrainingTextBytes = 4 * 1024 * 1024;

    /// <summary>Pieces of one imported text (each a string argument, at most InputLimits.MaxStringLength long).</summary>
    public const int MaxTextParts = 128;

    public const int MaxTimeRangeHours = 24 * 365;

    /// <summary>Length of a timeRange text such as "1h", "24h" or "7d".</summary>
    public const int MinTimeRangeLength = 2;
    public const int MaxTimeRangeLength = 16;
}
