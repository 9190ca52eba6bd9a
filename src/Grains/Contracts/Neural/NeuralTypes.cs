namespace SwarmCluster.Contracts.Neural;

/// <summary>The swarm network as it really is: shape, settings and training history.</summary>
[GenerateSerializer, Alias("neural.status")]
public sealed record NeuralStatus(
    [property: Id(0)] IReadOnlyList<int> Layers,
    [property: Id(1)] int ConnectionCount,
    [property: Id(2)] string HiddenActivation,
    [property: Id(3)] string OutputActivation,
    [property: Id(4)] string TrainingAlgorithm,
    [property: Id(5)] float LearningRate,
    [property: Id(6)] int EpochsTrained,
    [property: Id(7)] float? LastMse,
    [property: Id(8)] int RecordedSamples,
    [property: Id(9)] bool RoutingUsesNetwork,
    [property: Id(10)] DateTimeOffset? LastTrainedAt,
    [property: Id(11)] int SerializedBytes);

/// <summary>One supervised example: input of the network's input size, target of its output size.</summary>
[GenerateSerializer, Alias("neural.sample")]
public sealed record TrainingSample(
    [property: Id(0)] float[] Input,
    [property: Id(1)] float[] Target);

public enum TrainingSource { Supplied, RecordedOutcomes }

[GenerateSerializer, Alias("neural.training-result")]
public sealed record TrainingResult(
    [property: Id(0)] IReadOnlyList<float> EpochMse,
    [property: Id(1)] int Samples,
    [property: Id(2)] TrainingSource Source,
    [property: Id(3)] double DurationMs,
    [property: Id(4)] int TotalEpochsTrained);
