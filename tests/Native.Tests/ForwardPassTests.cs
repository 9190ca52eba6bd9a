namespace SwarmCluster.Fann.Tests;

/// <summary>
/// The managed forward pass against fann_run on the same network: every shape the swarm creates, trained networks,
/// every activation function, clipping, and that every kind of change is seen by the next run. The goal is 1e-6;
/// on x64 the sums and activations are the same floats, so the measured difference is 0.
/// </summary>
public class ForwardPassTests
{
    private const float Tolerance = 1e-6f;

    // The routing network is [128, 64, 32, agents] for 1..100 agents: the ends, powers of two, odd sizes around the
    // vector width, and a spread in between.
    public static TheoryData<int> RoutingOutputs => [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 50, 64, 99, 100];

    [Theory]
    [MemberData(nameof(RoutingOutputs))]
    public void Routing_networks_of_every_size_match_fann_run(int outputs)
    {
        // As RoutingNetwork.CreateUntrained: tanh hidden layers (steepness 1), sigmoid outputs.
        using var net = Routing(outputs, ActivationFunction.SigmoidSymmetric, 1f);
        net.RandomizeWeights(-0.5f, 0.5f, seed: outputs);
        AssertMatches(net, Inputs(24, outputs, 0f, 1f));
        AssertMatches(net, Inputs(24, outputs + 1000, -1f, 1f));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(32)]
    [InlineData(100)]
    public void Older_sigmoid_hidden_networks_match_fann_run(int outputs)
    {
        using var net = Routing(outputs, ActivationFunction.Sigmoid, 0.5f);
        net.RandomizeWeights(-0.1f, 0.1f, seed: outputs);
        AssertMatches(net, Inputs(24, outputs, 0f, 1f));
    }

    [Theory]
    [InlineData(8, TrainingAlgorithm.Rprop)]
    [InlineData(32, TrainingAlgorithm.Incremental)]
    [InlineData(7, TrainingAlgorithm.Quickprop)]
    public void Trained_networks_match_fann_run(int outputs, TrainingAlgorithm algorithm)
    {
        using var net = Routing(outputs, ActivationFunction.SigmoidSymmetric, 1f);
        net.RandomizeWeights(-0.5f, 0.5f, seed: 3);
        net.TrainingAlgorithm = algorithm;
        net.LearningRate = 0.2f;
        var inputs = Inputs(64, 11, 0f, 1f);
        var targets = Inputs(64, 12, 0f, 1f).Select(r => r.Take(outputs).ToArray()).ToArray();
        var before = net.Run(inputs[0]);
        using (var data = TrainingData.FromArrays(inputs, targets))
            net.Train(data, 5);
        Assert.NotEqual(before, net.Run(inputs[0]));
        AssertMatches(net, inputs);
        AssertMatches(net, Inputs(16, 13, -1f, 1f));
    }

    [Fact]
    public void Every_activation_function_matches_fann_run()
    {
        foreach (var function in Enum.GetValues<ActivationFunction>())
        {
            foreach (float steepness in new[] { 0.5f, 1f, 0.173f })
            {
                using var net = NeuralNetwork.CreateStandard(13, 9, 5, 3);
                net.HiddenActivation = function;
                net.OutputActivation = function;
                net.HiddenActivationSteepness = steepness;
                net.OutputActivationSteepness = steepness * 2;
                net.RandomizeWeights(-2f, 2f, seed: (int)function);
                AssertMatches(net, Inputs(40, (int)function, -3f, 3f), $"{function} at steepness {steepness}");
            }
        }
    }

    [Fact]
    public void Large_inputs_hit_the_clipping_the_same_way()
    {
        using var net = Routing(8, ActivationFunction.SigmoidSymmetric, 1f);
        net.RandomizeWeights(-0.5f, 0.5f, seed: 5);
        var rows = new List<float[]>();
        foreach (float scale in new[] { 1e3f, 1e6f, 1e20f, 1e36f })
            rows.AddRange(Inputs(6, (int)Math.Log10(scale), -scale, scale));
        rows.Add(Enumerable.Repeat(float.MaxValue, 128).ToArray());
        rows.Add(Enumerable.Range(0, 128).Select(i => i % 2 == 0 ? float.MaxValue : -float.MaxValue).ToArray());
        AssertMatches(net, rows);

        // Linear outputs show the clipped sum itself: ±150/steepness.
        using var linear = NeuralNetwork.CreateStandard(4, 1);
        linear.OutputActivation = ActivationFunction.Linear;
        linear.OutputActivationSteepness = 0.75f;
        linear.RandomizeWeights(1f, 1f);
        AssertMatches(linear, [[1e6f, 1e6f, 1e6f, 1e6f], [-1e6f, 0, 0, 0], [10f, 20f, 30f, 40f]]);
        Assert.Equal(150f / 0.75f, linear.Run([1e6f, 1e6f, 1e6f, 1e6f])[0]);
    }

    [Fact]
    public void NaN_and_infinite_inputs_are_rejected_on_the_managed_path()
    {
        using var net = Routing(8, ActivationFunction.SigmoidSymmetric, 1f);
        var good = Inputs(2, 1, 0f, 1f);
        net.RunBatch(good);
        Assert.True(net.UsesManagedForward);
        var output = new float[8];
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var row = (float[])good[0].Clone();
            row[77] = bad;
            var e = Assert.Throws<ArgumentException>(() => net.Run(row, output));
            Assert.Contains("input[77]", e.Message);
            Assert.All(output, v => Assert.Equal(0f, v));
            e = Assert.Throws<ArgumentException>(() => net.RunBatch([good[0], row]));
            Assert.Contains("inputs[1][77]", e.Message);
        }
        // Every position, in the vectorised part of the check and in its scalar tail.
        using var small = NeuralNetwork.CreateStandard(13, 3, 2);
        small.RunBatch(Inputs(2, 2, 0f, 1f).Select(r => r[..13]).ToArray());
        for (int i = 0; i < 13; i++)
        {
            var row = new float[13];
            row[i] = i % 2 == 0 ? float.NaN : float.NegativeInfinity;
            var e = Assert.Throws<ArgumentException>(() => small.Run(row));
            Assert.Contains($"input[{i}]", e.Message);
        }
        Assert.Throws<ArgumentException>(() => net.Run(new float[127]));
        Assert.Throws<ArgumentException>(() => net.Run(good[0], new float[7]));
    }

    public static TheoryData<string> Changes =>
    [
        "SetWeights", "RandomizeWeights seeded", "RandomizeWeights", "Train", "TrainStep", "HiddenActivation",
        "OutputActivation", "HiddenActivationSteepness", "OutputActivationSteepness",
    ];

    [Theory]
    [MemberData(nameof(Changes))]
    public void Every_change_is_seen_by_the_next_run(string change)
    {
        using var net = Routing(8, ActivationFunction.SigmoidSymmetric, 1f);
        net.RandomizeWeights(-0.5f, 0.5f, seed: 9);
        var inputs = Inputs(8, 21, 0f, 1f);
        net.RunBatch(inputs);
        Assert.True(net.UsesManagedForward);
        var before = net.RunBatch(inputs);

        Apply(net, change, inputs);

        // The first run after a change, the one that rebuilds the snapshot, and later ones all follow the change.
        for (int round = 0; round < 3; round++)
        {
            var after = net.Run(inputs[0]);
            AssertClose(net.RunWithLibfann(inputs[0]), after, $"{change}, run {round + 1} after it");
        }
        Assert.True(net.UsesManagedForward, $"{change}: the managed pass should be back after two runs");
        AssertMatches(net, inputs, change);
        Assert.NotEqual(before[3], net.Run(inputs[3])); // the change moved the outputs, so a stale snapshot would fail
    }

    private static void Apply(NeuralNetwork net, string change, float[][] inputs)
    {
        switch (change)
        {
            case "SetWeights":
                net.SetWeights(net.GetWeights().Select(w => w * 0.9f + 0.01f).ToArray());
                break;
            case "RandomizeWeights seeded":
                net.RandomizeWeights(-0.3f, 0.3f, seed: 10);
                break;
            case "RandomizeWeights":
                net.RandomizeWeights(-0.3f, 0.3f);
                break;
            case "Train":
                using (var data = TrainingData.FromArrays(inputs, inputs.Select(_ => new float[] { 1, 0, 1, 0, 1, 0, 1, 0 }).ToArray()))
                    net.Train(data, 2);
                break;
            case "TrainStep":
                net.TrainStep(inputs[3], [1, 1, 1, 1, 0, 0, 0, 0]);
                break;
            case "HiddenActivation":
                net.HiddenActivation = ActivationFunction.Elliot;
                break;
            case "OutputActivation":
                net.OutputActivation = ActivationFunction.SigmoidSymmetric;
                break;
            case "HiddenActivationSteepness":
                net.HiddenActivationSteepness = 0.3f;
                break;
            case "OutputActivationSteepness":
                net.OutputActivationSteepness = 2f;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change, "unknown change");
        }
    }

    [Fact]
    public void Runs_alternating_with_training_steps_follow_every_step()
    {
        // The routing trainer's pattern: read the outputs, train one step toward a target built from them.
        using var net = Routing(4, ActivationFunction.SigmoidSymmetric, 1f);
        net.RandomizeWeights(-0.5f, 0.5f, seed: 12);
        net.LearningRate = 0.5f;
        var inputs = Inputs(30, 22, 0f, 1f);
        var targets = new float[4];
        foreach (var input in inputs)
        {
            net.Run(input, targets);
            AssertClose(net.RunWithLibfann(input), targets, "before a step");
            targets[1] = 1f;
            net.TrainStep(input, targets);
        }
        AssertMatches(net, inputs);
    }

    [Fact]
    public void Loaded_and_copied_networks_match_fann_run()
    {
        using var net = Routing(32, ActivationFunction.SigmoidSymmetric, 1f);
        net.RandomizeWeights(-0.5f, 0.5f, seed: 14);
        var inputs = Inputs(8, 23, 0f, 1f);
        var expected = net.RunBatch(inputs);
        using var loaded = NeuralNetwork.FromBytes(net.ToBytes());
        using var copy = net.Copy();
        foreach (var other in new[] { loaded, copy })
        {
            AssertMatches(other, inputs);
            var rows = other.RunBatch(inputs);
            for (int i = 0; i < rows.Length; i++) Datasets.AssertBitIdentical(expected[i], rows[i]);
        }
    }

    [Fact]
    public void Shortcut_and_cascade_networks_stay_on_fann_run()
    {
        using var shortcut = NeuralNetwork.CreateShortcut(2, 4, 1);
        shortcut.RandomizeWeights(-1f, 1f, seed: 1);
        shortcut.RunBatch(Datasets.XorInputs);
        Assert.False(shortcut.UsesManagedForward);
        foreach (var input in Datasets.XorInputs)
            Datasets.AssertBitIdentical(shortcut.RunWithLibfann(input), shortcut.Run(input));

        using var cascade = NeuralNetwork.CreateShortcut(2, 1);
        using var data = Datasets.Xor();
        cascade.TrainCascade(data, 3, 0.001f);
        cascade.RunBatch(Datasets.XorInputs);
        Assert.False(cascade.UsesManagedForward);
        foreach (var input in Datasets.XorInputs)
            Datasets.AssertBitIdentical(cascade.RunWithLibfann(input), cascade.Run(input));
    }

    [Fact]
    public void Single_runs_and_batches_give_the_same_bits()
    {
        using var net = Routing(100, ActivationFunction.SigmoidSymmetric, 1f);
        net.RandomizeWeights(-0.5f, 0.5f, seed: 15);
        var inputs = Inputs(16, 24, 0f, 1f);
        var batch = net.RunBatch(inputs);
        for (int i = 0; i < inputs.Length; i++) Datasets.AssertBitIdentical(batch[i], net.Run(inputs[i]));
    }

    [Fact]
    public void Concurrent_runs_on_the_managed_path_give_the_single_threaded_results()
    {
        using var net = Routing(32, ActivationFunction.SigmoidSymmetric, 1f);
        net.RandomizeWeights(-0.5f, 0.5f, seed: 16);
        var inputs = Inputs(32, 25, 0f, 1f);
        var expected = net.RunBatch(inputs);
        Assert.True(net.UsesManagedForward);
        Parallel.For(0, 4 * inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            int row = i % inputs.Length;
            Datasets.AssertBitIdentical(expected[row], net.Run(inputs[row]));
        });
    }

    // ---------- helpers ----------

    private static NeuralNetwork Routing(int outputs, ActivationFunction hidden, float hiddenSteepness)
    {
        var net = NeuralNetwork.CreateStandard(128, 64, 32, outputs);
        net.HiddenActivation = hidden;
        net.HiddenActivationSteepness = hiddenSteepness;
        net.OutputActivation = ActivationFunction.Sigmoid;
        return net;
    }

    private static float[][] Inputs(int count, int seed, float min, float max) =>
        Datasets.RandomInputs(count, 128, seed).Select(r => r.Select(v => min + (v + 1) / 2 * (max - min)).ToArray()).ToArray();

    /// <summary>Runs every row on the managed pass (asserting it is taken) and on fann_run.</summary>
    private static void AssertMatches(NeuralNetwork net, IReadOnlyList<float[]> rows, string what = "")
    {
        var inputs = rows.Select(r => r.Take(net.InputCount).ToArray()).ToArray();
        var managed = net.RunBatch(inputs);
        Assert.True(net.UsesManagedForward, $"{what}: a fully connected layer network should run on the managed pass");
        for (int i = 0; i < inputs.Length; i++)
        {
            AssertClose(net.RunWithLibfann(inputs[i]), managed[i], $"{what} row {i}");
            AssertClose(managed[i], net.Run(inputs[i]), $"{what} row {i} (single run)");
        }
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            bool same = float.IsNaN(expected[i]) ? float.IsNaN(actual[i]) : Math.Abs(expected[i] - actual[i]) <= Tolerance;
            Assert.True(same, $"{what}, output {i}: fann_run {expected[i]:R}, managed {actual[i]:R}");
        }
    }
}
