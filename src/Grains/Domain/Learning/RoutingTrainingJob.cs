using System.Diagnostics;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Fann;
using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Learning;

/// <summary>
/// One training of a routing network, detached from its owner: it holds a copy of the network and a snapshot
/// of the samples, so <see cref="Run"/> may run on any thread while the owner keeps routing with the original.
/// Create it with <see cref="RoutingNetwork.CreateTrainingJob"/>, hand the result to
/// <see cref="RoutingNetwork.Apply"/> and dispose the job, all on the owner's thread.
/// <para>
/// Learning rule: <see cref="RoutingTrainer"/> (only the credited agent's output learns from a sample).
/// </para>
/// </summary>
public sealed class RoutingTrainingJob : IDisposable
{
    private readonly RoutingNetwork _owner;
    private readonly RoutingSample[] _training;
    private readonly RoutingSample[] _heldOut;
    private readonly int _maxEpochMse;
    private readonly double _smoothingPower;
    private readonly double _smoothingPrior;
    private NeuralNetwork? _copy;
    private int _started;

    internal RoutingTrainingJob(RoutingNetwork owner, NeuralNetwork copy, RoutingSample[] training, RoutingSample[] heldOut, int epochs,
        TrainingTrigger trigger, long baseVersion, long trainedThrough, RoutingLearningOptions options)
    {
        _owner = owner;
        _copy = copy;
        _training = training;
        _heldOut = heldOut;
        Epochs = epochs;
        Trigger = trigger;
        BaseVersion = baseVersion;
        TrainedThrough = trainedThrough;
        _maxEpochMse = options.MaxEpochMsePerEntry;
        _smoothingPower = options.SmoothingPower;
        _smoothingPrior = options.SmoothingPrior;
    }

    public TrainingTrigger Trigger { get; }

    public int Epochs { get; }

    public int Samples => _training.Length;

    public int HeldOutSamples => _heldOut.Length;

    internal long BaseVersion { get; }

    internal long TrainedThrough { get; }

    /// <summary>
    /// Trains the copy (thread-safe with respect to the owner; call once). The trained copy moves into the
    /// result. Throws FannException if libfann fails (the copy is then dropped with the job).
    /// </summary>
    public RoutingTrainingResult Run(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("A training job runs once.");
        }

        var network = _copy ?? throw new ObjectDisposedException(nameof(RoutingTrainingJob));
        var watch = Stopwatch.StartNew();
        var heldOutInputs = _heldOut.Select(s => TaskFeatureEncoder.Encode(s.Task)).ToArray();
        var before = HeldOutScore.Measure(network, _heldOut, heldOutInputs);

        // Shuffled from the outcome count: the same log trains the same way on every machine.
        var report = RoutingTrainer.Train(network, _training, Epochs, (int)(TrainedThrough & 0x7FFF_FFFF), _smoothingPower, _smoothingPrior, cancellationToken);

        var after = HeldOutScore.Measure(network, _heldOut, heldOutInputs);
        var bytes = network.ToBytes();
        watch.Stop();

        var (kept, stride) = Thin(report.EpochMse, _maxEpochMse);
        var entry = new RoutingTrainingEntry(DateTimeOffset.UtcNow, Trigger, _training.Length, _heldOut.Length, report.Epochs, kept, stride,
            before.Accuracy, after.Accuracy, before.Mse, after.Mse, Math.Round(watch.Elapsed.TotalMilliseconds, 3));
        _copy = null; // the result owns it now
        return new RoutingTrainingResult(this, network, bytes, entry, report.EpochMse.ToList());
    }

    public void Dispose()
    {
        _copy?.Dispose();
        _copy = null;
        _owner.Release(this);
    }

    /// <summary>Every stride-th epoch's MSE (stride 1 when they fit) and always the last one.</summary>
    internal static (List<float> Kept, int Stride) Thin(IReadOnlyList<float> mse, int max)
    {
        if (mse.Count <= max)
        {
            return (mse.ToList(), 1);
        }

        var stride = (mse.Count + max - 2) / (max - 1); // leaves room for the last epoch
        var kept = new List<float>(max);
        for (var i = 0; i < mse.Count - 1; i += stride)
        {
            kept.Add(mse[i]);
        }

        kept.Add(mse[^1]);
        return (kept, stride);
    }
}

/// <summary>A finished training: the trained network (owned until applied), its saved bytes and the history entry.</summary>
public sealed class RoutingTrainingResult : IDisposable
{
    private NeuralNetwork? _network;

    internal RoutingTrainingResult(RoutingTrainingJob job, NeuralNetwork network, byte[] bytes, RoutingTrainingEntry entry, List<float> epochMse)
    {
        Job = job;
        _network = network;
        Bytes = bytes;
        Entry = entry;
        EpochMse = epochMse;
    }

    public RoutingTrainingEntry Entry { get; }

    /// <summary>Every epoch's MSE (the entry keeps a bounded selection).</summary>
    public IReadOnlyList<float> EpochMse { get; }

    internal RoutingTrainingJob Job { get; }

    internal byte[] Bytes { get; }

    internal NeuralNetwork TakeNetwork()
    {
        var network = _network ?? throw new ObjectDisposedException(nameof(RoutingTrainingResult));
        _network = null;
        return network;
    }

    public void Dispose()
    {
        _network?.Dispose();
        _network = null;
    }
}
