using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Fann;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains.Learning;

/// <summary>
/// A swarm's routing network [128, 64, 32, outputs] and how it learns: it records outcomes (credit to one agent
/// slot), holds a share of them out, says when a training is due, trains in a detached
/// <see cref="RoutingTrainingJob"/> and swaps the trained copy in with <see cref="Apply"/>.
/// <para>
/// It reads and updates the two state objects given to <see cref="Open"/> in place; the owner writes
/// <see cref="SwarmOutcomeState"/> after <see cref="Record"/> and <see cref="SwarmNetworkState"/> (and the
/// outcomes) after <see cref="Apply"/>. If the owner replaces those objects (re-initialise, destroy, reload),
/// it disposes this instance and opens a new one. Not thread-safe: one owner (a grain) calls every member
/// except <see cref="RoutingTrainingJob.Run"/>.
/// </para>
/// </summary>
public sealed class RoutingNetwork : IDisposable
{
    public static readonly IReadOnlyList<int> HiddenLayers = [64, 32];

    // One configured, unseeded network per output count (at most SwarmLimits.MaxAgents of them): copied, or read to
    // describe an untrained network that has not been built yet; never run or trained.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, NeuralNetwork> Shapes = new();
    public const int InputSize = TaskFeatureEncoder.Size;

    /// <summary>
    /// The algorithm stored with the network. Routing trainings take per-sample steps themselves
    /// (<see cref="RoutingTrainer"/>, FANN's incremental backpropagation one sample at a time) because each step's
    /// targets depend on the outputs just before it; RPROP (FANN's default) steps every weight by the sign of its
    /// gradient only, so a word seen once moved as far as a word seen in every task.
    /// </summary>
    public const TrainingAlgorithm Algorithm = TrainingAlgorithm.Incremental;

    private readonly SwarmNetworkState _state;
    private readonly SwarmOutcomeState _outcomes;
    private readonly int _seed;

    // Null until first needed while untrained: an untrained network is a pure function of the seed, and most swarms
    // route by capability until trained, so a new swarm holds no libfann memory (about 130 KB) until it is used.
    private NeuralNetwork? _network;
    private long _version;
    private RoutingTrainingJob? _inFlight;
    private HeldOutScore? _heldOutCache;

    private RoutingNetwork(NeuralNetwork? network, int outputs, int seed, SwarmNetworkState state, SwarmOutcomeState outcomes, RoutingLearningOptions options)
    {
        _network = network;
        _seed = seed;
        Outputs = outputs;
        _state = state;
        _outcomes = outcomes;
        Options = options;
    }

    public RoutingLearningOptions Options { get; }

    public int Outputs { get; }

    /// <summary>True once trained on outcomes: from then on routing blends in <see cref="RoutingScores"/>.</summary>
    public bool Trained => _state.Trained;

    /// <summary>
    /// The live network, for running inputs (neural_process); built from the seed on first use while untrained.
    /// Owner's thread; never train it directly: trainings go through jobs so that a failed one leaves it intact.
    /// </summary>
    public NeuralNetwork Network => _network ??= CreateUntrained(Outputs, _seed);

    /// <summary>
    /// What neural_status describes (layers, connections, activations, training parameters): the live network, or
    /// for one not built yet the configured network of its shape, which has the same values but no seeded weights.
    /// Read only.
    /// </summary>
    public NeuralNetwork Description => _network ?? Shape(Outputs);

    public bool TrainingRunning => _inFlight is not null;

    /// <summary>Trainable outcomes recorded since the last training.</summary>
    public long NewTrainableOutcomes => Math.Max(0, _outcomes.TrainableRecorded - _state.TrainedThroughOutcome);

    /// <summary>True when <see cref="RoutingLearningOptions.TrainEveryOutcomes"/> new trainable outcomes wait and no job runs.</summary>
    public bool TrainingDue => _inFlight is null && Options.TrainEveryOutcomes > 0 && NewTrainableOutcomes >= Options.TrainEveryOutcomes;

    /// <summary>The seed a swarm's untrained routing network is built from.</summary>
    public static int SeedFor(string swarmId) => StableTextHash.Seed(swarmId);

    public static IReadOnlyList<int> Layers(int outputs) => [InputSize, .. HiddenLayers, outputs];

    /// <summary>
    /// [128, 64, 32, outputs]: tanh hidden layers, sigmoid outputs (scores in 0..1), linear error function, per-sample
    /// learning rate <see cref="LearningRate"/>, weights uniform in ±<see cref="InitialWeightRanges"/> per layer from
    /// the seed. Why each, as measured with the routing simulation (tests/Grains.Tests/Unit/RoutingSimulation.cs): sigmoid hidden units (mean 0.5) with
    /// ±0.1 weights made every task look alike to the output layer, so 150 outcomes taught only a per-agent bias (33 %
    /// of tasks to a skilled agent); zero-centred hidden units with larger weights learn the text. Output weights
    /// start at 0, so every output starts at a neutral 0.5 for every task and an agent the network was never trained
    /// on stays there instead of carrying random opinions. FANN's default tanh error function stretches large errors
    /// (a failure of an agent predicted at 0.95 counted ~4× its size), which taught the network to memorise the
    /// occasional failure; the linear one fits success rates (held-out MSE 0.22 → 0.20, routing unchanged or better).
    /// </summary>
    public static NeuralNetwork CreateUntrained(int outputs, int seed)
    {
        // A copy of a network of the same shape: libfann's creation draws every weight from rand() under a global
        // lock (and reseeds from /dev/urandom), only for SetWeights to replace them all below.
        var net = Shape(outputs).Copy();
        try
        {
            net.SetWeights(InitialWeights(Layers(outputs), seed));
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    private static NeuralNetwork Shape(int outputs) => Shapes.GetOrAdd(outputs, static o =>
    {
        var net = NeuralNetwork.CreateStandard([.. Layers(o)]);
        try
        {
            net.HiddenActivation = ActivationFunction.SigmoidSymmetric;
            net.HiddenActivationSteepness = HiddenSteepness;
            net.OutputActivation = ActivationFunction.Sigmoid;
            net.TrainErrorFunction = ErrorFunction.Linear;
            net.LearningRate = LearningRate;
            net.TrainingAlgorithm = Algorithm;
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    });

    /// <summary>Per-sample learning rate of routing trainings.</summary>
    public const float LearningRate = 0.5f;

    /// <summary>Initial weight range of the connections into hidden layer 1, hidden layer 2 and the outputs (0: neutral start).</summary>
    public static readonly IReadOnlyList<float> InitialWeightRanges = [0.5f, 0.5f, 0f];

    /// <summary>Steepness of the hidden layers' symmetric sigmoid: tanh(x).</summary>
    public const float HiddenSteepness = 1f;

    /// <summary>Weights in FANN's order (connections grouped by receiving neuron, layer by layer, bias last in each group).</summary>
    private static float[] InitialWeights(IReadOnlyList<int> layers, int seed)
    {
        var count = 0;
        for (var l = 1; l < layers.Count; l++)
        {
            count += (layers[l - 1] + 1) * layers[l];
        }

        var weights = new float[count];
        var random = new SplitMix64((ulong)seed);
        var i = 0;
        for (var l = 1; l < layers.Count; l++)
        {
            var range = InitialWeightRanges[Math.Min(l - 1, InitialWeightRanges.Count - 1)];
            for (var k = 0; k < (layers[l - 1] + 1) * layers[l]; k++)
            {
                weights[i++] = range * (2 * random.NextUnit() - 1);
            }
        }

        return weights;
    }

    /// <summary>
    /// Loads the stored network, or builds the untrained one from <paramref name="seed"/> when none is stored.
    /// Counters missing from rows written before they existed are derived from the recorded samples.
    /// Throws DomainException (Unavailable) for a stored network of the wrong shape or a trained one without bytes;
    /// FannException when libfann fails.
    /// </summary>
    public static RoutingNetwork Open(int outputs, int seed, SwarmNetworkState network, SwarmOutcomeState outcomes, RoutingLearningOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(outcomes);
        options = (options ?? RoutingLearningOptions.Default).Validate();
        if (network.Network is null && network.Trained)
        {
            throw new DomainException(ErrorKind.Unavailable, "the routing network was trained but its stored bytes are missing");
        }

        var net = network.Network is { } bytes ? NeuralNetwork.FromBytes(bytes) : null;
        if (net is not null && (net.InputCount != InputSize || net.OutputCount != outputs))
        {
            var shape = $"{net.InputCount} inputs, {net.OutputCount} outputs";
            net.Dispose();
            throw new DomainException(ErrorKind.Unavailable, $"the stored routing network has the wrong shape ({shape}; expected {InputSize}, {outputs})");
        }

        var routing = new RoutingNetwork(net, outputs, seed, network, outcomes, options);
        routing.DeriveMissingCounters();
        return routing;
    }

    /// <summary>The network's outputs for a task, by slot: each agent's predicted success on it.</summary>
    public float[] Score(TaskText task) => Network.Run(TaskFeatureEncoder.Encode(task));

    /// <summary>What <see cref="TaskRouter.Route"/> takes: the scores once trained on outcomes, else null (capability only).</summary>
    public float[]? RoutingScores(TaskText task) => Trained ? Score(task) : null;

    /// <summary>Outcomes credited to the slot over the swarm's life: the exploration bonus's "finished tasks".</summary>
    public long FinishedTasks(int slot) => slot >= 0 && slot < _outcomes.FinishedBySlot.Count ? _outcomes.FinishedBySlot[slot] : 0;

    /// <summary>
    /// Records a finished task, credited to one slot (the agent that reported the result). A task id already in
    /// the log is ignored (a retried notification). The owner writes <see cref="SwarmOutcomeState"/> when
    /// <see cref="OutcomeRecorded.Recorded"/>; when <see cref="OutcomeRecorded.TrainingDue"/>, it starts a job.
    /// </summary>
    public OutcomeRecorded Record(RoutingOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.CreditedSlot < 0 || outcome.CreditedSlot >= Outputs)
        {
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome.CreditedSlot, $"The credited slot must be between 0 and {Outputs - 1}.");
        }

        var (recorded, heldOut) = OutcomeLog.Append(_outcomes, outcome, Options);
        if (!recorded)
        {
            return new OutcomeRecorded(false, false, TrainingDue);
        }

        _heldOutCache = null;
        return new OutcomeRecorded(true, heldOut, TrainingDue);
    }

    /// <summary>The recorded outcomes as learning reads them (unusable old rows dropped, slots beyond the outputs skipped).</summary>
    public IReadOnlyList<RoutingSample> Samples() => OutcomeLog.ReadAll(_outcomes.Samples, Options.HeldOutEvery, Outputs);

    /// <summary>
    /// A detached training on every trainable outcome recorded so far. <paramref name="epochs"/>: for manual
    /// trainings (the caller bounds it); automatic ones use <see cref="RoutingLearningOptions.EpochsPerTraining"/>
    /// within <see cref="RoutingLearningOptions.MaxTrainingWork"/>. DomainException (InvalidArgument) when no
    /// trainable outcome is recorded; InvalidOperationException while another job runs.
    /// </summary>
    public RoutingTrainingJob CreateTrainingJob(TrainingTrigger trigger, int? epochs = null)
    {
        if (_inFlight is not null)
        {
            throw new InvalidOperationException("A training of the routing network is already running.");
        }

        var samples = Samples();
        var training = samples.Where(s => !s.HeldOut).ToArray();
        var heldOut = samples.Where(s => s.HeldOut).ToArray();
        if (training.Length == 0)
        {
            throw new DomainException(ErrorKind.InvalidArgument,
                heldOut.Length == 0
                    ? "no task outcomes recorded yet: complete or fail tasks first"
                    : $"no trainable task outcomes yet: all {heldOut.Length} recorded outcomes are held out to measure the network");
        }

        var runEpochs = epochs ?? (int)Math.Clamp(Options.MaxTrainingWork / training.Length, 1, Options.EpochsPerTraining);
        ArgumentOutOfRangeException.ThrowIfLessThan(runEpochs, 1, nameof(epochs));
        var copy = Network.Copy();
        _inFlight = new RoutingTrainingJob(this, copy, training, heldOut, runEpochs, trigger, _version, _outcomes.TrainableRecorded, Options);
        return _inFlight;
    }

    /// <summary>
    /// Swaps the trained network in and records the training (state updated in place: write
    /// <see cref="SwarmNetworkState"/>). Returns null, disposing the result, when it is stale: another training
    /// was applied since its job was created, or the job is not this network's current one.
    /// </summary>
    public RoutingTrainingEntry? Apply(RoutingTrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!ReferenceEquals(result.Job, _inFlight) || result.Job.BaseVersion != _version)
        {
            result.Dispose();
            return null;
        }

        var old = _network;
        _network = result.TakeNetwork();
        old?.Dispose();
        _inFlight = null;
        _version++;
        _heldOutCache = null;

        var entry = result.Entry;
        _state.Network = result.Bytes;
        _state.EpochsTrained += entry.Epochs;
        _state.LastMse = result.EpochMse.Count > 0 ? result.EpochMse[^1] : null;
        _state.LastTrainedAt = entry.At;
        _state.Trained = true;
        _state.TrainedThroughOutcome = result.Job.TrainedThrough;
        _state.Trainings++;
        AddHistory(entry);
        return entry;
    }

    private void AddHistory(RoutingTrainingEntry entry)
    {
        _state.History.Add(entry);
        if (_state.History.Count > Options.MaxTrainingHistory)
        {
            _state.History.RemoveRange(0, _state.History.Count - Options.MaxTrainingHistory);
        }
    }

    /// <summary>
    /// Makes <paramref name="replacement"/> (ownership passes here on success) the live network: an imported or
    /// transferred one. Same rules as <see cref="Apply"/>: a training job in flight becomes stale (its result is
    /// discarded, it trained the network being replaced), the bytes are written to the state (the owner writes
    /// <see cref="SwarmNetworkState"/>), the network counts as trained and the history records the swap with the
    /// held-out figures before and after. The training parameters become the routing network's own (learning rate,
    /// algorithm, error function) so that training by outcomes continues from the adopted weights as from its own;
    /// weights and activation functions are kept. ArgumentException for another number of inputs or outputs.
    /// </summary>
    public RoutingTrainingEntry Adopt(NeuralNetwork replacement, TrainingTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        if (replacement.InputCount != InputSize || replacement.OutputCount != Outputs)
        {
            throw new ArgumentException($"The network has {replacement.InputCount} inputs and {replacement.OutputCount} outputs; routing needs {InputSize} and {Outputs}.", nameof(replacement));
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        replacement.LearningRate = LearningRate;
        replacement.TrainingAlgorithm = Algorithm;
        replacement.TrainErrorFunction = ErrorFunction.Linear;
        var bytes = replacement.ToBytes();
        var before = EvaluateHeldOut();
        var after = HeldOutScore.Measure(replacement, Samples().Where(s => s.HeldOut).ToList());

        var old = _network;
        _network = replacement;
        old?.Dispose();
        _inFlight = null; // a running job's BaseVersion no longer matches: Apply discards it
        _version++;
        _heldOutCache = after;

        var entry = new RoutingTrainingEntry(DateTimeOffset.UtcNow, trigger, 0, after.Count, 0, [], 1,
            before.Accuracy, after.Accuracy, before.Mse, after.Mse, watch.Elapsed.TotalMilliseconds);
        _state.Network = bytes;
        _state.LastMse = null; // it described the replaced network
        _state.LastTrainedAt = entry.At;
        _state.Trained = true;
        AddHistory(entry);
        return entry;
    }

    /// <summary>The current network on the held-out outcomes (cached until the next outcome or training).</summary>
    public HeldOutScore EvaluateHeldOut()
    {
        _heldOutCache ??= Measure(Samples().Where(s => s.HeldOut).ToList());
        return _heldOutCache.Value;
    }

    /// <summary>The same measure on the held-out outcomes credited to the given slots only (all slots: <see cref="EvaluateHeldOut()"/>).</summary>
    public HeldOutScore EvaluateHeldOut(IReadOnlyCollection<int>? slots) =>
        slots is null
            ? EvaluateHeldOut()
            : Measure(Samples().Where(s => s.HeldOut && slots.Contains(s.Slot)).ToList());

    // Without held-out outcomes there is nothing to run, so the network need not be built.
    private HeldOutScore Measure(IReadOnlyList<RoutingSample> heldOut) =>
        heldOut.Count == 0 ? HeldOutScore.None : HeldOutScore.Measure(Network, heldOut);

    public RoutingLearningStatus Status()
    {
        var samples = Samples();
        var heldOut = EvaluateHeldOut();
        return new RoutingLearningStatus(
            samples.Count(s => !s.HeldOut),
            heldOut.Count,
            Options.TrainEveryOutcomes,
            (int)Math.Max(0, Options.TrainEveryOutcomes - NewTrainableOutcomes),
            TrainingRunning,
            _state.Trainings,
            heldOut.Accuracy,
            heldOut.Mse,
            _state.History.ToList(),
            _outcomes.FinishedBySlot.ToList());
    }

    public void Dispose()
    {
        _inFlight = null;
        _network?.Dispose();
    }

    /// <summary>Called by a job's Dispose: a job that ended without being applied no longer blocks new ones.</summary>
    internal void Release(RoutingTrainingJob job)
    {
        if (ReferenceEquals(_inFlight, job))
        {
            _inFlight = null;
        }
    }

    private void DeriveMissingCounters()
    {
        if (_outcomes.Samples.Count == 0)
        {
            return;
        }

        var samples = Samples();
        if (_outcomes.TrainableRecorded == 0)
        {
            // Rows from before the counter: every logged trainable outcome counts as new, so the log is
            // (re)trained with the current rule at the next due check.
            _outcomes.TrainableRecorded = samples.Count(s => !s.HeldOut);
        }

        if (_outcomes.FinishedBySlot.Count == 0)
        {
            _outcomes.FinishedBySlot = OutcomeLog.CountBySlot(samples);
        }
    }
}

/// <summary>What <see cref="RoutingNetwork.Record"/> did.</summary>
/// <param name="Recorded">False for a task id already recorded (nothing changed).</param>
/// <param name="HeldOut">The outcome is held out of training, to measure the network.</param>
/// <param name="TrainingDue">Enough new trainable outcomes wait and no training runs: start one.</param>
public readonly record struct OutcomeRecorded(bool Recorded, bool HeldOut, bool TrainingDue);

/// <summary>A small fixed generator, so seeded weights never change with .NET versions.</summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>Uniform in [0, 1) with 24 random bits.</summary>
    public float NextUnit()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 40) * (1f / (1 << 24));
    }
}
