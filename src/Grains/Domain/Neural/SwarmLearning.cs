using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Fann;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;
using SwarmCluster.Grains.Tasks;

namespace SwarmCluster.Grains.Neural;

/// <summary>
/// The swarm's routing network: its life cycle (created from the swarm id's seed, stored once trained), running
/// it, and training it on the outcomes the task records hold. Owned by one swarm grain (a FANN network is not
/// thread-safe; the grain's turns serialise every use).
/// </summary>
internal sealed class SwarmLearning(
    string swarmId,
    IPersistentState<SwarmNetworkState> network,
    ILogger logger) : IDisposable
{
    public const int InputSize = TaskFeatureEncoder.Size;
    public static readonly int[] HiddenLayers = [64, 32];
    public const int MaxRecordedOutcomes = 2000;

    /// <summary>The network's own algorithm (see docs/routing.md).</summary>
    public const TrainingAlgorithm NetworkTrainingAlgorithm = TrainingAlgorithm.Incremental;

    private NeuralNetwork? _net;
    private int _outputs;

    public bool Trained => network.State.Trained;

    public static int[] Layers(int outputs) => [InputSize, .. HiddenLayers, outputs];

    /// <summary>A new swarm's untrained network: a pure function of the swarm id, so it is not stored until trained.</summary>
    public void Create(int outputs)
    {
        _outputs = outputs;
        _net?.Dispose();
        _net = null;
        network.State = new SwarmNetworkState();
        _net = Guard(() => CreateNetwork(outputs, StableTextHash.Seed(swarmId)));
    }

    public void Attach(int outputs) => _outputs = outputs;

    /// <summary>The network's scores (one per slot) for a task, or null until it has been trained.</summary>
    public float[]? Scores(TaskRouting task)
    {
        if (!network.State.Trained)
        {
            return null;
        }

        return Guard(() => EnsureNetwork().Run(TaskFeatureEncoder.Encode(task.Text)));
    }

    public string Note(int samples) => $"trained {network.State.EpochsTrained} epochs, {samples} recorded outcomes";

    public float[] Run(float[] input)
    {
        Checks.Vector(input, "input", InputSize);
        return Guard(() => EnsureNetwork().Run(input));
    }

    public float[][] RunBatch(float[][] inputs)
    {
        if (inputs is null || inputs.Length == 0 || inputs.Length > SwarmLimits.MaxBatch)
        {
            throw DomainException.Invalid("inputs", $"must contain between 1 and {SwarmLimits.MaxBatch} inputs (got {inputs?.Length ?? 0})");
        }

        for (var i = 0; i < inputs.Length; i++)
        {
            Checks.Vector(inputs[i], "inputs", InputSize, $"item {i}");
        }

        return Guard(() => EnsureNetwork().RunBatch(inputs));
    }

    /// <summary>Trains on recorded outcomes: (text, slot, target) from the task records.</summary>
    public async Task<TrainingResult> TrainOnOutcomesAsync(IReadOnlyList<(string Text, int Slot, float Target)> samples, int epochs)
    {
        Checks.Range(epochs, "epochs", 1, SwarmLimits.MaxEpochs);
        if (samples.Count == 0)
        {
            throw DomainException.Invalid("samples", "none given and no task outcomes recorded yet: give samples, or complete or fail tasks first");
        }

        CheckWork(samples.Count, epochs);
        var inputs = new float[samples.Count][];
        var targets = new float[samples.Count][];
        for (var i = 0; i < samples.Count; i++)
        {
            inputs[i] = TaskFeatureEncoder.Encode(samples[i].Text);
            targets[i] = new float[_outputs];
            if (samples[i].Slot >= 0 && samples[i].Slot < _outputs)
            {
                targets[i][samples[i].Slot] = samples[i].Target;
            }
        }

        return await TrainAsync(inputs, targets, epochs, TrainingSource.RecordedOutcomes);
    }

    public async Task<TrainingResult> TrainOnSamplesAsync(IReadOnlyList<TrainingSample> samples, int epochs)
    {
        Checks.Range(epochs, "epochs", 1, SwarmLimits.MaxEpochs);
        if (samples is null || samples.Count == 0 || samples.Count > SwarmLimits.MaxTrainingSamples)
        {
            throw DomainException.Invalid("samples", $"must contain between 1 and {SwarmLimits.MaxTrainingSamples} samples (got {samples?.Count ?? 0})");
        }

        CheckWork(samples.Count, epochs);
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i] ?? throw DomainException.Invalid("samples", $"sample {i}: must not be null");
            Checks.Vector(sample.Input, "samples", InputSize, $"sample {i} input");
            Checks.Vector(sample.Target, "samples", _outputs, $"sample {i} target");
            if (sample.Target.Any(t => t < 0 || t > 1))
            {
                throw DomainException.Invalid("samples", $"sample {i} target: values must be between 0 and 1 (the output layer is sigmoid)");
            }
        }

        return await TrainAsync(samples.Select(x => x.Input).ToArray(), samples.Select(x => x.Target).ToArray(), epochs, TrainingSource.Supplied);
    }

    public NeuralStatus Status(int recordedSamples)
    {
        var net = EnsureNetwork();
        var n = network.State;
        return new NeuralStatus(net.LayerSizes.ToList(), net.ConnectionCount,
            net.HiddenActivation.ToString().ToLowerInvariant(), net.OutputActivation.ToString().ToLowerInvariant(),
            net.TrainingAlgorithm.ToString().ToLowerInvariant(), net.LearningRate,
            n.EpochsTrained, n.LastMse, recordedSamples, n.Trained, n.LastTrainedAt, n.Network?.Length ?? 0);
    }

    /// <summary>The network as it is now, for measuring and copying (still owned here: never dispose it).</summary>
    public NeuralNetwork Current => Guard(EnsureNetwork);

    /// <summary>Makes <paramref name="replacement"/> (ownership passes here) the routing network, stored and used for routing from now on.</summary>
    public async Task AdoptAsync(NeuralNetwork replacement)
    {
        var bytes = Guard(replacement.ToBytes);
        _net?.Dispose();
        _net = replacement;
        var n = network.State;
        n.Network = bytes;
        n.Trained = true;
        n.LastTrainedAt = DateTimeOffset.UtcNow;
        await network.WriteStateAsync();
    }

    public async Task ClearAsync()
    {
        await network.ClearStateAsync();
        network.State = new SwarmNetworkState();
        Dispose();
    }

    public void Dispose()
    {
        _net?.Dispose();
        _net = null;
    }

    private async Task<TrainingResult> TrainAsync(float[][] inputs, float[][] targets, int epochs, TrainingSource source)
    {
        var net = EnsureNetwork();
        var watch = Stopwatch.StartNew();
        TrainingReport report;
        byte[] bytes;
        try
        {
            using var data = TrainingData.FromArrays(inputs, targets);
            // Off the grain scheduler's thread: training can take seconds. The grain is not reentrant, so nothing
            // else touches the network meanwhile.
            (report, bytes) = await Task.Run(() => (net.Train(data, epochs), net.ToBytes()));
        }
        catch (FannException ex)
        {
            Dispose(); // possibly half-trained: reload the stored one next time
            throw Unavailable(ex);
        }

        watch.Stop();
        var n = network.State;
        n.Network = bytes;
        n.EpochsTrained += report.Epochs;
        n.LastMse = report.EpochMse.Count > 0 ? report.EpochMse[^1] : null;
        n.LastTrainedAt = DateTimeOffset.UtcNow;
        n.Trained = true;
        await network.WriteStateAsync();
        logger.LogInformation("Swarm {SwarmId} trained on {Samples} samples ({Source}) for {Epochs} epochs in {Ms:0} ms, MSE {Mse}",
            swarmId, inputs.Length, source, report.Epochs, watch.Elapsed.TotalMilliseconds, n.LastMse);
        return new TrainingResult(report.EpochMse.ToList(), inputs.Length, source, watch.Elapsed.TotalMilliseconds, n.EpochsTrained);
    }

    private static void CheckWork(int samples, int epochs)
    {
        if ((long)samples * epochs > SwarmLimits.MaxTrainingWork)
        {
            throw DomainException.Invalid("epochs", $"samples × epochs must be at most {SwarmLimits.MaxTrainingWork:N0} per call (got {samples} × {epochs}); train in several calls");
        }
    }

    private NeuralNetwork EnsureNetwork()
    {
        if (_net is not null)
        {
            return _net;
        }

        var bytes = network.State.Network;
        if (bytes is null && network.State.Trained)
        {
            throw new DomainException(ErrorKind.Unavailable, $"swarm '{swarmId}' was trained but has no stored network");
        }

        var net = Guard(() => bytes is null ? CreateNetwork(_outputs, StableTextHash.Seed(swarmId)) : NeuralNetwork.FromBytes(bytes));
        if (net.InputCount != InputSize || net.OutputCount != _outputs)
        {
            net.Dispose();
            throw new DomainException(ErrorKind.Unavailable, $"swarm '{swarmId}': stored network has the wrong shape");
        }

        _net = net;
        return net;
    }

    private static NeuralNetwork CreateNetwork(int outputs, int seed)
    {
        var net = NeuralNetwork.CreateStandard(Layers(outputs));
        try
        {
            net.HiddenActivation = ActivationFunction.Sigmoid;
            net.OutputActivation = ActivationFunction.Sigmoid; // scores in 0..1
            net.TrainingAlgorithm = NetworkTrainingAlgorithm;
            net.RandomizeWeights(-0.1f, 0.1f, seed); // reproducible from the swarm id
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    private T Guard<T>(Func<T> run)
    {
        try
        {
            return run();
        }
        catch (FannException ex)
        {
            throw Unavailable(ex);
        }
    }

    private DomainException Unavailable(FannException ex)
    {
        logger.LogError(ex, "Swarm {SwarmId}: FANN failure", swarmId);
        return new DomainException(ErrorKind.Unavailable, $"neural network unavailable: {ex.Message}");
    }
}
