using SwarmCluster.Fann;
using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Learning;

/// <summary>
/// How the routing network learns from outcomes. Train only on what was observed: a sample is (task, credited
/// slot, outcome); at each training step the credited slot's target is its outcome target and every other output's
/// target is the network's output for that input at that moment, so those outputs carry no error: an agent that did
/// not do a task is neither rewarded nor blamed, and each output models its agent's chance of success on a kind of
/// task. (Targets fixed once per training, as FANN's own epoch functions need, pulled every unobserved output back
/// to where it stood when the training started; with five of six outputs unobserved per sample, that anchored the
/// network to its untrained opinions and it learnt only a per-agent bias.)
/// <para>
/// Outcome targets are smoothed first (<see cref="SmoothTargets"/>): a sample's target is the similarity-weighted
/// mean of the outcomes of the same agent on similar tasks (itself included) plus a small prior, so one failure
/// among many successes on the same kind of work moves the agent's score on that kind of work a little instead of
/// being memorised as a hole around that task's words. Only the credited agent's own observed outcomes enter.
/// </para>
/// </summary>
public static class RoutingTrainer
{
    /// <summary>Exponent of the cosine similarity in <see cref="SmoothTargets"/> (0: raw outcome targets).</summary>
    public const double DefaultSmoothingPower = 3;

    /// <summary>Weight of the 0.5 prior in <see cref="SmoothTargets"/> (the sample itself weighs 1).</summary>
    public const double DefaultSmoothingPrior = 0.5;

    /// <summary>The targets of one step: the network's current outputs for the input, the credited slot set to its target.</summary>
    public static float[] Targets(NeuralNetwork network, ReadOnlySpan<float> input, int slot, float target)
    {
        ArgumentNullException.ThrowIfNull(network);
        var targets = new float[network.OutputCount];
        Fill(network, input, slot, target, targets);
        return targets;
    }

    /// <summary>
    /// Each sample's training target: (Σ w·target + prior·0.5) / (Σ w + prior) over the samples credited to the same
    /// slot, with w = cos(task, other task)^power over the hashed word/capability features (0 when the tasks share
    /// nothing; the sample itself has w = 1). Power 0 returns the raw targets.
    /// </summary>
    public static float[] SmoothTargets(IReadOnlyList<RoutingSample> samples, IReadOnlyList<float[]> inputs, double power, double prior)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentOutOfRangeException.ThrowIfNegative(power);
        ArgumentOutOfRangeException.ThrowIfNegative(prior);
        var targets = samples.Select(s => s.Target).ToArray();
        if (power == 0)
        {
            return targets;
        }

        // Sparse: a task sets a handful of the 120 hashed features.
        var features = inputs.Select(x => Enumerable.Range(0, TaskFeatureEncoder.HashedBuckets).Where(b => x[b] != 0).Select(b => (Bucket: b, Value: x[b])).ToArray()).ToArray();
        foreach (var slot in samples.Select(s => s.Slot).Distinct())
        {
            var members = Enumerable.Range(0, samples.Count).Where(i => samples[i].Slot == slot).ToArray();
            foreach (var i in members)
            {
                double sum = prior * 0.5, weight = prior;
                foreach (var k in members)
                {
                    double cosine = 0;
                    foreach (var (bucket, value) in features[k])
                    {
                        cosine += inputs[i][bucket] * (double)value;
                    }

                    if (cosine > 0)
                    {
                        var w = Math.Pow(Math.Min(cosine, 1), power);
                        sum += w * samples[k].Target;
                        weight += w;
                    }
                }

                targets[i] = weight > 0 ? (float)(sum / weight) : samples[i].Target;
            }
        }

        return targets;
    }

    /// <summary>
    /// <paramref name="epochs"/> epochs of per-sample steps (FANN incremental backpropagation at the network's
    /// learning rate) over the samples, in an order shuffled per epoch from <paramref name="seed"/>, towards the
    /// smoothed targets. Each epoch's MSE is that of the credited outputs against their targets just before their
    /// steps (the other outputs have no error by construction). Throws FannException when training diverges (the
    /// network is then unusable).
    /// </summary>
    public static TrainingReport Train(NeuralNetwork network, IReadOnlyList<RoutingSample> samples, int epochs, int seed,
        double smoothingPower = DefaultSmoothingPower, double smoothingPrior = DefaultSmoothingPrior, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        var inputs = samples.Select(s => TaskFeatureEncoder.Encode(s.Task)).ToArray();
        var goals = SmoothTargets(samples, inputs, smoothingPower, smoothingPrior);
        var targets = new float[network.OutputCount];
        var order = Enumerable.Range(0, samples.Count).ToArray();
        var random = new Random(seed);
        var history = new List<float>(epochs);
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            random.Shuffle(order);
            double squares = 0;
            foreach (var i in order)
            {
                var error = goals[i] - Fill(network, inputs[i], samples[i].Slot, goals[i], targets);
                squares += error * (double)error;
                network.TrainStep(inputs[i], targets);
            }

            var mse = samples.Count == 0 ? 0f : (float)(squares / samples.Count);
            if (!float.IsFinite(mse))
            {
                throw new FannException($"Training diverged at epoch {epoch} (MSE {mse}); the weights are no longer usable.");
            }

            history.Add(mse);
        }

        return new TrainingReport(history.AsReadOnly(), false);
    }

    /// <summary>Fills <paramref name="targets"/> and returns the credited slot's output before the step.</summary>
    private static float Fill(NeuralNetwork network, ReadOnlySpan<float> input, int slot, float target, float[] targets)
    {
        if (slot < 0 || slot >= network.OutputCount)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"The credited slot must be below the network's {network.OutputCount} outputs.");
        }

        network.Run(input, targets);
        var before = targets[slot];
        targets[slot] = target;
        return before;
    }
}
