namespace SwarmCluster.Contracts.Neural;

/// <summary>The swarm network as it really is: shape, settings and training history.</summary>
/// <param name="Learning">How the routing network learns from outcomes (null where not reported).</param>
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
    [property: Id(11)] int SerializedBytes,
    [property: Id(12)] RoutingLearningStatus? Learning = null,
    [property: Id(13)] CustomNetworkStatus? Custom = null);

/// <summary>
/// A swarm has two networks of the same shape. Routing: learns from task outcomes by itself and ranks agents.
/// Custom: trained only on samples a caller supplies to neural_train, never used for routing, so supplied samples
/// cannot overwrite what routing learned.
/// </summary>
public enum NetworkKind { Routing, Custom }

/// <summary>The swarm's custom network (see <see cref="NetworkKind.Custom"/>).</summary>
[GenerateSerializer, Immutable, Alias("neural.custom-status")]
public sealed record CustomNetworkStatus(
    [property: Id(0)] bool Trained,
    [property: Id(1)] int EpochsTrained,
    [property: Id(2)] float? LastMse,
    [property: Id(3)] DateTimeOffset? LastTrainedAt,
    [property: Id(4)] int LastSamples,
    [property: Id(5)] int SerializedBytes);

/// <summary>
/// What started a training of the routing network on recorded outcomes, or replaced it. Imported: neural_import replaced it; Transferred: daa_meta_learning copied or
/// blended another swarm's weights in; FineTuned: daa_meta_learning's adaptive mode then trained it on this swarm's
/// outcomes (Imported and Transferred entries train nothing: 0 samples, 0 epochs).
/// </summary>
public enum TrainingTrigger { Automatic, Manual, Imported, Transferred, FineTuned }

/// <summary>
/// One training of the routing network on recorded outcomes. Held-out figures are measured on the outcomes held
/// out of training (see <see cref="RoutingLearningStatus"/>), with the network as it was just before
/// (<c>Before</c>) and just after (<c>After</c>) this training; null when no outcome was held out yet.
/// </summary>
/// <param name="Samples">Trainable outcomes trained on.</param>
/// <param name="EpochMse">FANN's MSE of each epoch; with more epochs than the stored limit, every
/// <paramref name="EpochMseStride"/>-th epoch and the last one.</param>
/// <param name="HeldOutAccuracyBefore">Share of held-out outcomes whose result (success or not) the network predicted:
/// its output for the credited agent's slot, thresholded at 0.5, against what happened.</param>
/// <param name="HeldOutMseBefore">Mean squared error of that output against the outcome's target (quality, else 1/0).</param>
[GenerateSerializer, Alias("neural.routing-training")]
public sealed record RoutingTrainingEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] TrainingTrigger Trigger,
    [property: Id(2)] int Samples,
    [property: Id(3)] int HeldOutSamples,
    [property: Id(4)] int Epochs,
    [property: Id(5)] IReadOnlyList<float> EpochMse,
    [property: Id(6)] int EpochMseStride,
    [property: Id(7)] double? HeldOutAccuracyBefore,
    [property: Id(8)] double? HeldOutAccuracyAfter,
    [property: Id(9)] double? HeldOutMseBefore,
    [property: Id(10)] double? HeldOutMseAfter,
    [property: Id(11)] double DurationMs);

/// <summary>
/// The routing network's learning: it trains by itself after every <paramref name="TrainEveryOutcomes"/> new
/// trainable outcomes; a fixed share of outcomes (chosen by a hash of the task id) is held out of training to
/// measure it.
/// </summary>
/// <param name="HeldOutAccuracy">The current network on the held-out outcomes (definition in <see cref="RoutingTrainingEntry"/>).</param>
/// <param name="History">Most recent trainings last (bounded).</param>
/// <param name="FinishedTasksBySlot">Recorded outcomes credited to each agent slot (what the exploration bonus counts).</param>
[GenerateSerializer, Alias("neural.routing-learning")]
public sealed record RoutingLearningStatus(
    [property: Id(0)] int TrainableOutcomes,
    [property: Id(1)] int HeldOutOutcomes,
    [property: Id(2)] int TrainEveryOutcomes,
    [property: Id(3)] int OutcomesUntilTraining,
    [property: Id(4)] bool TrainingRunning,
    [property: Id(5)] int Trainings,
    [property: Id(6)] double? HeldOutAccuracy,
    [property: Id(7)] double? HeldOutMse,
    [property: Id(8)] IReadOnlyList<RoutingTrainingEntry> History,
    [property: Id(9)] IReadOnlyList<long> FinishedTasksBySlot);

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
    [property: Id(4)] int TotalEpochsTrained,
    [property: Id(5)] NetworkKind Network = NetworkKind.Routing);
