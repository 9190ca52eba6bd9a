namespace SwarmCluster.Contracts;

/// <summary>Limits of swarm_monitor's sampling (the gateway samples; no grain stores these).</summary>
public static class MonitorLimits
{
    public const int MaxSeconds = 60;
    public const double MinInterval = 0.1;
    public const int MaxSamples = 600;
}

/// <summary>Limits of benchmark_run.</summary>
public static class BenchmarkLimits
{
    public const int MinIterations = 1;
    public const int MaxIterations = 100;
}

/// <summary>Limits of one neural_train call (the swarm's training work bound, SwarmLimits.MaxTrainingWork, applies too).</summary>
public static class TrainingLimits
{
    public const int MinIterations = 1;
    public const int MaxIterations = 100;

    /// <summary>Samples one neural_train call may carry.</summary>
    public const int MaxSamples = 1000;
}
