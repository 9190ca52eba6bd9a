using System.Text;

namespace SwarmCluster.Fann.Tests;

public class PersistenceTests
{
    [Fact]
    public void Bytes_round_trip_gives_bit_identical_outputs_and_weights()
    {
        using var net = Datasets.TrainedXor();
        net.TrainingAlgorithm = TrainingAlgorithm.Quickprop;
        var bytes = net.ToBytes();
        Assert.StartsWith("FANN_FLO_2.1\n", Encoding.ASCII.GetString(bytes));

        using var loaded = NeuralNetwork.FromBytes(bytes);
        Datasets.AssertBitIdentical(net.GetWeights(), loaded.GetWeights());
        foreach (var input in Datasets.RandomInputs(500, 2, 1).Concat(Datasets.XorInputs))
            Datasets.AssertBitIdentical(net.Run(input), loaded.Run(input));

        Assert.Equal(net.LayerSizes, loaded.LayerSizes);
        Assert.Equal(ActivationFunction.SigmoidSymmetric, loaded.HiddenActivation);
        Assert.Equal(TrainingAlgorithm.Quickprop, loaded.TrainingAlgorithm);
        Assert.Equal(bytes, loaded.ToBytes());
    }

    [Fact]
    public void Parameters_survive_within_the_precision_of_fanns_format()
    {
        using var net = NeuralNetwork.CreateShortcut(3, 2, 2);
        net.LearningRate = 0.123456789f;
        net.HiddenActivationSteepness = 0.3f;
        net.OutputActivation = ActivationFunction.Linear;
        using var loaded = NeuralNetwork.FromBytes(net.ToBytes());
        Assert.Equal(NetworkType.Shortcut, loaded.Type);
        Assert.Equal(0.123457f, loaded.LearningRate, 6); // fann_save writes "%f"
        Assert.Equal(0.3f, loaded.HiddenActivationSteepness); // "%.20e": exact
        Assert.Equal(ActivationFunction.Linear, loaded.OutputActivation);

        net.LearningRate = 1e-7f; // prints as 0.000000 but must still load
        using var tiny = NeuralNetwork.FromBytes(net.ToBytes());
        Assert.Equal(0f, tiny.LearningRate);
    }

    [Fact]
    public void File_round_trip_gives_bit_identical_outputs()
    {
        using var net = NeuralNetwork.CreateStandard(5, 7, 3);
        net.HiddenActivation = ActivationFunction.Elliot;
        net.OutputActivationSteepness = 0.75f;
        var path = Path.Combine(Path.GetTempPath(), $"scfann-{Guid.NewGuid():N}.net");
        try
        {
            net.Save(path);
            using var loaded = NeuralNetwork.Load(path);
            foreach (var input in Datasets.RandomInputs(300, 5, 2))
                Datasets.AssertBitIdentical(net.Run(input), loaded.Run(input));
            Assert.Equal(ActivationFunction.Elliot, loaded.HiddenActivation);
            Assert.Equal(0.75f, loaded.OutputActivationSteepness);
            Assert.Equal(File.ReadAllBytes(path), net.ToBytes());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Long_paths_are_safe_because_libfann_never_sees_them()
    {
        // Over 128 bytes: libfann's own error messages would overflow their buffer with such a path.
        var dir = Path.Combine(Path.GetTempPath(), $"scfann-{Guid.NewGuid():N}", new string('d', 100), new string('e', 100));
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, new string('n', 120) + ".net");
            Assert.True(path.Length > 300);
            using var net = NeuralNetwork.CreateStandard(2, 2, 1);
            net.Save(path);
            using var loaded = NeuralNetwork.Load(path);
            Datasets.AssertBitIdentical(net.Run([0.5f, -0.5f]), loaded.Run([0.5f, -0.5f]));

            // A missing long path and an impossible one fail in managed code.
            Assert.Throws<FileNotFoundException>(() => NeuralNetwork.Load(path + ".missing"));
            Assert.Throws<FileNotFoundException>(() => TrainingData.FromFile(path + ".missing"));
            var absurd = Path.Combine(dir, new string('x', 5000));
            Assert.ThrowsAny<IOException>(() => net.Save(absurd));
            Assert.Throws<FileNotFoundException>(() => NeuralNetwork.Load(absurd));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(dir))!, recursive: true);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bad\0name.net")]
    public void Bad_paths_are_rejected(string path)
    {
        using var net = NeuralNetwork.CreateStandard(2, 1);
        Assert.Equal("path", Assert.ThrowsAny<ArgumentException>(() => net.Save(path)).ParamName);
        Assert.Equal("path", Assert.ThrowsAny<ArgumentException>(() => NeuralNetwork.Load(path)).ParamName);
        Assert.Equal("path", Assert.ThrowsAny<ArgumentException>(() => TrainingData.FromFile(path)).ParamName);
    }

    [Fact]
    public void Copy_is_independent_and_identical()
    {
        using var net = Datasets.TrainedXor();
        net.TrainingAlgorithm = TrainingAlgorithm.Quickprop;
        using var copy = net.Copy();
        foreach (var input in Datasets.RandomInputs(200, 2, 3))
            Datasets.AssertBitIdentical(net.Run(input), copy.Run(input));
        // fann_copy in 2.2.0 drops the training algorithm; Copy restores it.
        Assert.Equal(TrainingAlgorithm.Quickprop, copy.TrainingAlgorithm);
        Assert.Equal(net.ToBytes(), copy.ToBytes());

        copy.RandomizeWeights(-1, 1, seed: 99);
        Assert.NotEqual(net.GetWeights(), copy.GetWeights());
        net.Dispose();
        Assert.Single(copy.Run([1f, 1f])); // the copy outlives the original
    }
}

public class WeightTests
{
    [Fact]
    public void Seeded_randomization_is_reproducible_and_in_range()
    {
        using var a = NeuralNetwork.CreateStandard(4, 6, 2);
        using var b = NeuralNetwork.CreateStandard(4, 6, 2);
        a.RandomizeWeights(-0.3f, 0.7f, seed: 1234);
        b.RandomizeWeights(-0.3f, 0.7f, seed: 1234);
        var wa = a.GetWeights();
        Datasets.AssertBitIdentical(wa, b.GetWeights());
        Assert.All(wa, w => Assert.InRange(w, -0.3f, 0.7f));
        Assert.True(wa.Distinct().Count() > wa.Length / 2);
        Datasets.AssertBitIdentical(a.Run([1, 2, 3, 4]), b.Run([1, 2, 3, 4]));

        b.RandomizeWeights(-0.3f, 0.7f, seed: 1235);
        Assert.NotEqual(wa, b.GetWeights());
        b.RandomizeWeights(-0.3f, 0.7f); // unseeded: libfann's rand()
        Assert.All(b.GetWeights(), w => Assert.InRange(w, -0.3f, 0.7f));
        Assert.NotEqual(wa, b.GetWeights());
    }

    [Fact]
    public void Get_and_set_weights_round_trip()
    {
        using var net = NeuralNetwork.CreateStandard(3, 4, 2);
        Assert.Equal(net.ConnectionCount, net.GetWeights().Length);
        var weights = Enumerable.Range(0, net.ConnectionCount).Select(i => (i - 12) / 7f).ToArray();
        net.SetWeights(weights);
        Datasets.AssertBitIdentical(weights, net.GetWeights());

        // And libfann actually uses them: a copy via bytes computes the same, a different set does not.
        using var other = NeuralNetwork.CreateStandard(3, 4, 2);
        other.SetWeights(weights);
        Datasets.AssertBitIdentical(net.Run([0.1f, 0.2f, 0.3f]), other.Run([0.1f, 0.2f, 0.3f]));
        other.SetWeights(weights.Select(w => -w).ToArray());
        Assert.NotEqual(net.Run([0.1f, 0.2f, 0.3f]), other.Run([0.1f, 0.2f, 0.3f]));
    }

    [Fact]
    public void Weight_order_matches_libfann_connection_order()
    {
        // Linear 2-1 network: output = steepness * (w0*x0 + w1*x1 + w2*bias); libfann clips sums to ±150/steepness.
        using var net = NeuralNetwork.CreateStandard(2, 1);
        net.OutputActivation = ActivationFunction.Linear;
        net.OutputActivationSteepness = 1f;
        net.SetWeights([2f, 3f, 5f]);
        Assert.Equal(2f * 0.5f + 3f * 0.25f + 5f, net.Run([0.5f, 0.25f])[0]);
        Assert.Equal(150f, net.Run([100f, 100f])[0]);
    }

    [Fact]
    public void Set_weights_resets_training_like_a_fresh_network()
    {
        using var data = Datasets.Xor();
        using var a = NeuralNetwork.CreateStandard(2, 3, 1);
        a.RandomizeWeights(-1, 1, seed: 8);
        var start = a.GetWeights();
        var first = a.Train(data, 30);
        a.SetWeights(start);
        var second = a.Train(data, 30);
        // Rprop step sizes were reset, so the second run repeats the first exactly.
        Assert.Equal(first.EpochMse, second.EpochMse);
    }
}

/// <summary>Flips a process-wide switch, so it runs alone.</summary>
[Collection("Serial")]
public class WeightFallbackTests
{
    [Fact]
    public void Connection_array_fallback_agrees_with_direct_access()
    {
        using var net = NeuralNetwork.CreateStandard(3, 5, 2);
        net.RandomizeWeights(-1, 1, seed: 21);
        var direct = net.GetWeights();
        var input = new[] { 0.3f, -0.2f, 0.9f };
        var output = net.Run(input);
        try
        {
            FannLibrary.ForceConnectionArrayForTests = true;
            Datasets.AssertBitIdentical(direct, net.GetWeights());
            net.SetWeights(direct.Select(w => w * 0.5f).ToArray());
            Datasets.AssertBitIdentical(direct.Select(w => w * 0.5f).ToArray(), net.GetWeights());
            net.RandomizeWeights(-1, 1, seed: 21);
            Datasets.AssertBitIdentical(direct, net.GetWeights());
        }
        finally
        {
            FannLibrary.ForceConnectionArrayForTests = false;
        }
        Datasets.AssertBitIdentical(output, net.Run(input));
    }
}
