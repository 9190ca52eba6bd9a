using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Fann;
using SwarmCluster.Grains.Learning;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;
using SwarmCluster.Grains.Telemetry;

namespace SwarmCluster.Grains.Neural;

/// <summary>
/// A swarm's two networks and their life cycle. The routing network (<see cref="RoutingNetwork"/>) learns from
/// the outcomes the task index holds: every reported result is an outcome credited to the agent that reported it,
/// and a training starts in the background after every <see cref="RoutingLearningOptions.TrainEveryOutcomes"/>
/// new ones. The custom network (<see cref="CustomNetwork"/>) is trained only on samples a caller supplies.
/// <para>
/// Outcomes are not stored twice: the log the routing network reads is rebuilt from the task index when the swarm
/// activates (<see cref="Open"/>), and only the network (with how far it has trained) is written, when a training
/// is applied. Owned by one swarm grain: FANN networks are not thread-safe and the grain's turns serialise every
/// use, except a training job, which trains a copy off the scheduler.
/// </para>
/// </summary>
internal sealed class SwarmLearning(
    string swarmId,
    IPersistentState<SwarmNetworkState> network,
    IPersistentState<SwarmCustomNetworkState> custom,
    ILogger logger) : IDisposable
{
    public static IReadOnlyList<int> Layers(int outputs) => RoutingNetwork.Layers(outputs);

    private RoutingNetwork? _routing;
    private CustomNetwork? _custom;
    private int _outputs;

    private RoutingNetwork Routing => _routing ?? throw new InvalidOperationException("The swarm's networks are not open.");

    public bool Trained => _routing?.Trained ?? false;

    /// <summary>A new swarm: the untrained networks are pure functions of the swarm id, so nothing is stored until trained.</summary>
    public void Create(int outputs, int trainEvery)
    {
        Dispose();
        network.State = new SwarmNetworkState();
        custom.State = new SwarmCustomNetworkState();
        Open(outputs, trainEvery, []);
    }

    /// <summary>Opens the stored networks and rebuilds the outcome log from the task index (oldest first).</summary>
    public void Open(int outputs, int trainEvery, IEnumerable<(TaskIndexEntry Task, TaskHold Hold, int Slot)> reported)
    {
        Dispose();
        _outputs = outputs;
        var options = RoutingLearningOptions.Default with { TrainEveryOutcomes = trainEvery };
        var log = new SwarmOutcomeState();
        foreach (var (task, hold, slot) in reported)
        {
            if (slot < outputs)
            {
                OutcomeLog.Append(log, Outcome(task, hold, slot), options, checkDuplicate: false);
            }
        }

        _routing = Guard(() => RoutingNetwork.Open(outputs, RoutingNetwork.SeedFor(swarmId), network.State, log, options));
    }

    /// <summary>Outcomes credited to the slot: what the exploration bonus counts.</summary>
    public long FinishedTasks(int slot) => _routing?.FinishedTasks(slot) ?? 0;

    /// <summary>The routing network's scores (one per slot) once trained on outcomes, else null (route by capability).</summary>
    public float[]? Scores(TaskText task) => Guard(() => Routing.RoutingScores(task));

    /// <summary>
    /// What routing says about the network. Read from the last training's record, not recomputed: it is on every
    /// routing decision, and re-reading the outcome log and re-scoring the held-out set there cost every decision
    /// after a new outcome up to a few hundred network runs.
    /// </summary>
    public string Note()
    {
        var n = network.State;
        var last = n.History.Count > 0 ? n.History[^1] : null;
        var accuracy = last?.HeldOutAccuracyAfter is { } a ? $", held-out accuracy {a:P0} on {last.HeldOutSamples} at the last training" : "";
        return $"{n.Trainings} trainings, the last on {last?.Samples ?? 0} outcomes{accuracy}";
    }

    /// <summary>
    /// Records a reported result; true when a training is now due. Before <see cref="Open"/> (results settled while
    /// the swarm activates) it does nothing: Open reads them from the task index.
    /// </summary>
    public bool Record(TaskIndexEntry task, TaskHold hold, int slot) =>
        _routing is { } routing && slot < _outputs && routing.Record(Outcome(task, hold, slot)).TrainingDue;

    public bool TrainingDue => _routing is { TrainingDue: true };

    /// <summary>
    /// Trains the routing network on the recorded outcomes, off the grain's scheduler (the grain keeps routing with
    /// the current network meanwhile), then swaps the result in and writes it. Null when the result was stale.
    /// Cancelled, it stops between epochs and nothing is applied.
    /// </summary>
    public async Task<RoutingTrainingEntry?> TrainRoutingAsync(TrainingTrigger trigger, int? epochs = null, CancellationToken cancellationToken = default)
    {
        if (epochs is { } e)
        {
            Checks.Range(e, "epochs", 1, SwarmLimits.MaxEpochs);
        }

        var routing = Routing;
        if (routing.TrainingRunning)
        {
            throw new DomainException(ErrorKind.Conflict, "a training of the routing network is running (it trains by itself every few outcomes); try again when it has finished", "epochs");
        }

        RoutingTrainingJob job;
        try
        {
            job = routing.CreateTrainingJob(trigger, epochs);
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.InvalidArgument)
        {
            throw DomainException.Invalid("samples", $"none given and {ex.Message}");
        }

        using (job)
        {
            if (epochs is { } n)
            {
                CheckWork(job.Samples, n);
            }

            RoutingTrainingResult result;
            try
            {
                result = await Task.Run(() => job.Run(cancellationToken), cancellationToken);
            }
            catch (FannException ex)
            {
                throw Unavailable(ex);
            }

            if (!ReferenceEquals(routing, _routing))
            {
                result.Dispose(); // the swarm was destroyed or re-created meanwhile
                return null;
            }

            var entry = routing.Apply(result);
            if (entry is not null)
            {
                await network.WriteStateAsync();
                SwarmMetrics.RecordTraining(NetworkKind.Routing, trigger, entry.Epochs, entry.EpochMse.Count > 0 ? entry.EpochMse[^1] : null);
                logger.LogInformation("Swarm {SwarmId}: routing network trained ({Trigger}) on {Samples} outcomes for {Epochs} epochs in {Ms:0} ms; held-out accuracy {Before} → {After}",
                    swarmId, trigger, entry.Samples, entry.Epochs, entry.DurationMs, entry.HeldOutAccuracyBefore, entry.HeldOutAccuracyAfter);
            }

            return entry;
        }
    }

    public float[] Run(float[] input, NetworkKind kind)
    {
        Checks.Vector(input, "input", RoutingNetwork.InputSize);
        return Guard(() => Net(kind).Run(input));
    }

    public float[][] RunBatch(float[][] inputs, NetworkKind kind)
    {
        if (inputs is null || inputs.Length == 0 || inputs.Length > SwarmLimits.MaxBatch)
        {
            throw DomainException.Invalid("inputs", $"must contain between 1 and {SwarmLimits.MaxBatch} inputs (got {inputs?.Length ?? 0})");
        }

        for (var i = 0; i < inputs.Length; i++)
        {
            Checks.Vector(inputs[i], "inputs", RoutingNetwork.InputSize, $"item {i}");
        }

        return Guard(() => Net(kind).RunBatch(inputs));
    }

    /// <summary>Trains the custom network on caller-supplied samples; the routing network is never touched.</summary>
    public async Task<TrainingResult> TrainCustomAsync(IReadOnlyList<TrainingSample> samples, int epochs, CancellationToken cancellationToken = default)
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
            Checks.Vector(sample.Input, "samples", RoutingNetwork.InputSize, $"sample {i} input");
            Checks.Vector(sample.Target, "samples", _outputs, $"sample {i} target");
            if (sample.Target.Any(t => t < 0 || t > 1))
            {
                throw DomainException.Invalid("samples", $"sample {i} target: values must be between 0 and 1 (the output layer is sigmoid)");
            }
        }

        var net = Custom();
        var watch = Stopwatch.StartNew();
        TrainingReport report;
        try
        {
            // Off the scheduler: it can take seconds. CustomNetwork trains a copy and swaps it in on success only
            // (cancelled between epochs, the stored network stays).
            report = await Task.Run(() => net.Train(samples.Select(x => x.Input).ToList(), samples.Select(x => x.Target).ToList(), epochs, cancellationToken), cancellationToken);
        }
        catch (FannException ex)
        {
            throw Unavailable(ex);
        }

        await custom.WriteStateAsync();
        watch.Stop();
        SwarmMetrics.RecordTraining(NetworkKind.Custom, TrainingTrigger.Manual, report.Epochs, custom.State.LastMse);
        return new TrainingResult(report.EpochMse.ToList(), samples.Count, TrainingSource.Supplied, watch.Elapsed.TotalMilliseconds,
            custom.State.EpochsTrained, NetworkKind.Custom);
    }

    public NeuralStatus Status()
    {
        var routing = Routing;
        var net = routing.Description;
        var n = network.State;
        var c = custom.State;
        var learning = routing.Status();
        return new NeuralStatus(net.LayerSizes.ToList(), net.ConnectionCount,
            net.HiddenActivation.ToString().ToLowerInvariant(), net.OutputActivation.ToString().ToLowerInvariant(),
            net.TrainingAlgorithm.ToString().ToLowerInvariant(), net.LearningRate,
            n.EpochsTrained, n.LastMse, learning.TrainableOutcomes + learning.HeldOutOutcomes, n.Trained, n.LastTrainedAt, n.Network?.Length ?? 0,
            learning,
            new CustomNetworkStatus(c.Trained, c.EpochsTrained, c.LastMse, c.LastTrainedAt, c.LastSamples, c.Network?.Length ?? 0));
    }

    /// <summary>The routing network as libfann saves it (neural_export, daa_meta_learning's source).</summary>
    public byte[] RoutingBytes() => Guard(Routing.Network.ToBytes);

    /// <summary>A copy of the routing network (the caller owns and disposes it).</summary>
    public NeuralNetwork CopyRouting() => Guard(Routing.Network.Copy);

    /// <summary>Trainable (not held-out) outcomes recorded: what a fine-tuning would train on.</summary>
    public int TrainableOutcomes => Routing.Samples().Count(s => !s.HeldOut);

    /// <summary>The routing network's held-out measure, over every held-out outcome or those credited to <paramref name="slots"/>.</summary>
    public HeldOutScore HeldOut(IReadOnlyCollection<int>? slots) => Guard(() => Routing.EvaluateHeldOut(slots));

    /// <summary>
    /// Makes <paramref name="replacement"/> (ownership passes here) the routing network through
    /// <see cref="RoutingNetwork.Adopt"/>, and writes it. A background training running meanwhile is discarded.
    /// </summary>
    public async Task<RoutingTrainingEntry> AdoptAsync(NeuralNetwork replacement, TrainingTrigger trigger)
    {
        RoutingTrainingEntry entry;
        try
        {
            entry = Guard(() => Routing.Adopt(replacement, trigger));
        }
        catch
        {
            replacement.Dispose();
            throw;
        }

        await network.WriteStateAsync();
        logger.LogInformation("Swarm {SwarmId}: routing network replaced ({Trigger}); held-out accuracy {Before} → {After}",
            swarmId, trigger, entry.HeldOutAccuracyBefore, entry.HeldOutAccuracyAfter);
        return entry;
    }

    public async Task ClearAsync()
    {
        await Task.WhenAll(network.ClearStateAsync(), custom.RecordExists ? custom.ClearStateAsync() : Task.CompletedTask);
        network.State = new SwarmNetworkState();
        custom.State = new SwarmCustomNetworkState();
        Dispose();
    }

    public void Dispose()
    {
        _routing?.Dispose();
        _routing = null;
        _custom?.Dispose();
        _custom = null;
    }

    private static RoutingOutcome Outcome(TaskIndexEntry task, TaskHold hold, int slot) =>
        new($"{task.Id}#{hold.Attempt}", TaskText.Of(task), slot, hold.Outcome == HoldOutcome.Completed, hold.Quality,
            hold.EndedAt ?? task.FinishedAt ?? task.CreatedAt);

    private NeuralNetwork Net(NetworkKind kind) => kind switch
    {
        NetworkKind.Routing => Routing.Network,
        NetworkKind.Custom => Custom().Network,
        _ => throw DomainException.Invalid("network", $"must be routing or custom (got {kind})"),
    };

    private CustomNetwork Custom() =>
        _custom ??= Guard(() => CustomNetwork.Open(_outputs, CustomNetwork.SeedFor(swarmId), custom.State));

    private static void CheckWork(int samples, int epochs)
    {
        if ((long)samples * epochs > SwarmLimits.MaxTrainingWork)
        {
            throw DomainException.Invalid("epochs", $"samples × epochs must be at most {SwarmLimits.MaxTrainingWork:N0} per call (got {samples} × {epochs}); train in several calls");
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
