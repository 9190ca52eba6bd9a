using SwarmCluster.Contracts;

namespace SwarmCluster.Grains.Learning;

/// <summary>How a swarm's routing network learns from outcomes. Defaults are what the routing simulation (tests/Grains.Tests/Unit/RoutingSimulation.cs) measured.</summary>
public sealed record RoutingLearningOptions
{
    public static readonly RoutingLearningOptions Default = new();

    /// <summary>K: a training is due after this many new trainable (not held-out) outcomes; 0: never by itself.</summary>
    public int TrainEveryOutcomes { get; init; } = SwarmLimits.DefaultTrainEvery;

    /// <summary>One outcome in this many is held out of training to measure it (by a hash of the task id); 0: none.</summary>
    public int HeldOutEvery { get; init; } = 5;

    /// <summary>Epochs of an automatic training (fewer when samples × epochs would exceed <see cref="MaxTrainingWork"/>).</summary>
    public int EpochsPerTraining { get; init; } = 10;

    /// <summary>Outcomes kept for training and measurement; the oldest are dropped first.</summary>
    public int MaxRecordedOutcomes { get; init; } = 2000;

    /// <summary>Trainings kept in the history.</summary>
    public int MaxTrainingHistory { get; init; } = 50;

    /// <summary>Per-epoch MSE values kept per history entry (longer trainings keep every n-th epoch and the last).</summary>
    public int MaxEpochMsePerEntry { get; init; } = 100;

    /// <summary>samples × epochs of one automatic training (~25 µs each at 8 outputs), to bound its time.</summary>
    public long MaxTrainingWork { get; init; } = 500_000;

    /// <summary>Exponent of the task similarity that smooths outcome targets (0: train on raw outcomes); see RoutingTrainer.</summary>
    public double SmoothingPower { get; init; } = RoutingTrainer.DefaultSmoothingPower;

    /// <summary>Weight of the neutral 0.5 prior in smoothed targets.</summary>
    public double SmoothingPrior { get; init; } = RoutingTrainer.DefaultSmoothingPrior;

    public RoutingLearningOptions Validate()
    {
        Check(TrainEveryOutcomes >= 0, nameof(TrainEveryOutcomes), "at least 0");
        Check(HeldOutEvery == 0 || HeldOutEvery >= 2, nameof(HeldOutEvery), "0 (hold nothing out) or at least 2");
        Check(EpochsPerTraining is >= 1 and <= 10_000, nameof(EpochsPerTraining), "between 1 and 10000");
        Check(MaxRecordedOutcomes >= 1, nameof(MaxRecordedOutcomes), "at least 1");
        Check(MaxTrainingHistory >= 1, nameof(MaxTrainingHistory), "at least 1");
        Check(MaxEpochMsePerEntry >= 2, nameof(MaxEpochMsePerEntry), "at least 2");
        Check(MaxTrainingWork >= 1, nameof(MaxTrainingWork), "at least 1");
        Check(double.IsFinite(SmoothingPower) && SmoothingPower >= 0, nameof(SmoothingPower), "finite and at least 0");
        Check(double.IsFinite(SmoothingPrior) && SmoothingPrior >= 0, nameof(SmoothingPrior), "finite and at least 0");
        return this;
    }

    private static void Check(bool ok, string name, string rule)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, $"{name} must be {rule}.");
        }
    }
}
