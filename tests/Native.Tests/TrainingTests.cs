using System.Diagnostics;

namespace SwarmCluster.Fann.Tests;

public class TrainingTests
{
    [Fact]
    public void Xor_2_3_1_trains_with_rprop_and_gets_the_signs_right()
    {
        var sw = Stopwatch.StartNew();
        using var net = NeuralNetwork.CreateStandard(2, 3, 1);
        Assert.Equal(TrainingAlgorithm.Rprop, net.TrainingAlgorithm); // FANN's default
        net.HiddenActivation = ActivationFunction.SigmoidSymmetric;
        net.OutputActivation = ActivationFunction.SigmoidSymmetric;
        Assert.Equal(ActivationFunction.SigmoidSymmetric, net.HiddenActivation);
        Assert.Equal(ActivationFunction.SigmoidSymmetric, net.OutputActivation);
        net.RandomizeWeights(-1f, 1f, seed: 42);

        using var data = Datasets.Xor();
        Assert.Equal((4, 2, 1), (data.Count, data.InputCount, data.OutputCount));
        float before = net.Test(data);
        var report = net.Train(data, maxEpochs: 1000, desiredError: 0.001f);

        Assert.True(report.ReachedDesiredError);
        Assert.True(report.FinalMse < 0.001f, $"final MSE {report.FinalMse}");
        Assert.Equal(report.Epochs, report.EpochMse.Count);
        Assert.True(report.Epochs < 1000);
        Assert.True(report.EpochMse[0] > report.FinalMse);
        Assert.True(net.Test(data) < before);

        for (int i = 0; i < data.Count; i++)
        {
            float expected = data.GetOutput(i)[0];
            float actual = net.Run(data.GetInput(i))[0];
            Assert.True(Math.Sign(expected) == Math.Sign(actual), $"pattern {i}: expected sign of {expected}, got {actual}");
            Assert.True(Math.Abs(actual - expected) < 0.2f, $"pattern {i}: {actual} vs {expected}");
        }
        Assert.True(sw.ElapsedMilliseconds < 5000);
    }

    [Fact]
    public void Training_is_reproducible_from_a_seed()
    {
        using var data = Datasets.Xor();
        TrainingReport Run()
        {
            using var net = NeuralNetwork.CreateStandard(2, 4, 1);
            net.HiddenActivation = ActivationFunction.SigmoidSymmetric;
            net.OutputActivation = ActivationFunction.SigmoidSymmetric;
            net.RandomizeWeights(-0.5f, 0.5f, seed: 7);
            return net.Train(data, 50);
        }
        var a = Run();
        var b = Run();
        Assert.Equal(50, a.Epochs);
        Assert.False(a.ReachedDesiredError); // desiredError 0 trains every epoch
        Assert.Equal(a.EpochMse, b.EpochMse);
    }

    [Fact]
    public void Diabetes_dataset_trains_and_generalises()
    {
        using var train = TrainingData.FromFile(Datasets.Path("datasets/diabetes.train"));
        using var test = TrainingData.FromFile(Datasets.Path("datasets/diabetes.test"));
        Assert.Equal((384, 8, 2), (train.Count, train.InputCount, train.OutputCount));

        using var net = NeuralNetwork.CreateStandard(8, 10, 2);
        net.HiddenActivation = ActivationFunction.Sigmoid;
        net.OutputActivation = ActivationFunction.Sigmoid;
        net.RandomizeWeights(-0.1f, 0.1f, seed: 1);
        float untrained = net.Test(test);
        var report = net.Train(train, 300);
        float testMse = net.Test(test);

        Assert.True(report.FinalMse < 0.15f, $"train MSE {report.FinalMse}");
        Assert.True(testMse < 0.2f, $"test MSE {testMse}");
        Assert.True(testMse < untrained * 0.8f, $"test MSE {testMse} vs untrained {untrained}");

        // Most test patterns are classified correctly (outputs are one-hot).
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            var o = net.Run(test.GetInput(i));
            var t = test.GetOutput(i);
            if ((o[0] > o[1]) == (t[0] > t[1])) correct++;
        }
        Assert.True(correct > test.Count * 0.7, $"{correct}/{test.Count} correct");
    }

    [Fact]
    public void Test_does_not_change_weights_and_matches_manual_mse()
    {
        using var net = Datasets.TrainedXor();
        using var data = Datasets.Xor();
        var weights = net.GetWeights();
        float mse1 = net.Test(data);
        float mse2 = net.Test(data);
        Assert.Equal(mse1, mse2);
        Datasets.AssertBitIdentical(weights, net.GetWeights());

        // FANN halves the error of symmetric outputs before squaring.
        double sum = 0;
        for (int i = 0; i < data.Count; i++)
        {
            double diff = (net.Run(data.GetInput(i))[0] - data.GetOutput(i)[0]) / 2.0;
            sum += diff * diff;
        }
        Assert.Equal(sum / data.Count, mse1, 5);
    }

    [Fact]
    public void Other_algorithms_train_too()
    {
        using var data = Datasets.Xor();
        foreach (var algorithm in new[] { TrainingAlgorithm.Incremental, TrainingAlgorithm.Batch, TrainingAlgorithm.Quickprop, TrainingAlgorithm.Sarprop })
        {
            using var net = NeuralNetwork.CreateStandard(2, 4, 1);
            net.TrainingAlgorithm = algorithm;
            net.LearningRate = 0.5f;
            Assert.Equal(algorithm, net.TrainingAlgorithm);
            Assert.Equal(0.5f, net.LearningRate);
            net.RandomizeWeights(-0.5f, 0.5f, seed: 3);
            var report = net.Train(data, 200);
            Assert.Equal(200, report.Epochs);
            Assert.True(report.EpochMse.All(float.IsFinite));
            Assert.True(report.FinalMse < report.EpochMse[0], $"{algorithm}: {report.EpochMse[0]} -> {report.FinalMse}");
        }
    }

    [Fact]
    public void Training_can_be_cancelled_between_epochs()
    {
        using var net = NeuralNetwork.CreateStandard(2, 3, 1);
        using var data = Datasets.Xor();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => net.Train(data, 10, 0f, cts.Token));
        Assert.Equal(10, net.Train(data, 10).Epochs);
    }

    [Fact]
    public void Cascade_training_grows_a_shortcut_network_and_lowers_the_error()
    {
        using var data = Datasets.Xor();
        using var net = NeuralNetwork.CreateShortcut(2, 1);
        Assert.Equal(NetworkType.Shortcut, net.Type);
        net.OutputActivation = ActivationFunction.SigmoidSymmetric;
        net.RandomizeWeights(-0.5f, 0.5f, seed: 5);
        // XOR cannot be solved without hidden neurons: train the outputs alone first.
        var plain = net.Train(data, 200);
        float before = net.Test(data);

        var report = net.TrainCascade(data, maxNeurons: 8, desiredError: 0.001f);

        Assert.InRange(report.NeuronsAdded, 1, 8);
        Assert.Equal(2 + report.NeuronsAdded, net.LayerSizes.Count);
        Assert.All(net.LayerSizes.Skip(1).SkipLast(1), size => Assert.Equal(1, size));
        Assert.True(report.FinalMse < before, $"cascade MSE {report.FinalMse} vs {before} before (plain training ended at {plain.FinalMse})");
        Assert.True(report.FinalMse < 0.01f, $"cascade MSE {report.FinalMse}");
        Assert.Equal(report.NeuronsAdded + 1, report.MseHistory.Count);
        Assert.Equal(report.FinalMse, net.Test(data));
        for (int i = 0; i < data.Count; i++)
            Assert.Equal(Math.Sign(data.GetOutput(i)[0]), Math.Sign(net.Run(data.GetInput(i))[0]));

        // The grown network still serializes, loads (strict validator) and copies identically.
        using var loaded = NeuralNetwork.FromBytes(net.ToBytes());
        using var copy = net.Copy();
        foreach (var input in Datasets.RandomInputs(50, 2, 11))
        {
            var expected = net.Run(input);
            Datasets.AssertBitIdentical(expected, loaded.Run(input));
            Datasets.AssertBitIdentical(expected, copy.Run(input));
        }
        Assert.Equal(net.ConnectionCount, loaded.ConnectionCount);
    }

    [Fact]
    public void Cascade_training_stops_at_max_neurons()
    {
        // Two spirals are far from solvable with three neurons, so every step installs one.
        using var data = TrainingData.FromFile(Datasets.Path("datasets/two-spiral.train"));
        using var net = NeuralNetwork.CreateShortcut(2, 1);
        net.RandomizeWeights(-0.5f, 0.5f, seed: 2);
        float before = net.Test(data);
        var report = net.TrainCascade(data, maxNeurons: 3, desiredError: 1e-6f);
        Assert.Equal(3, report.NeuronsAdded);
        Assert.Equal(4, report.MseHistory.Count);
        Assert.Equal([2, 1, 1, 1, 1], net.LayerSizes);
        Assert.True(report.MseHistory[^1] < report.MseHistory[0], string.Join(", ", report.MseHistory));
        Assert.True(report.FinalMse < before, $"{report.FinalMse} vs {before}");
    }

    [Fact]
    public void Cascade_training_refuses_what_libfann_cannot_do()
    {
        using var data = Datasets.Xor();
        using var layered = NeuralNetwork.CreateStandard(2, 3, 1);
        var e = Assert.Throws<InvalidOperationException>(() => layered.TrainCascade(data, 2, 0.01f));
        Assert.Contains("CreateShortcut", e.Message);

        using var shortcut = NeuralNetwork.CreateShortcut(2, 1);
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => shortcut.TrainCascade(data, NeuralNetwork.MaxLayers, 0.01f));
        Assert.Contains("MaxLayers", tooMany.Message);
        shortcut.TrainingAlgorithm = TrainingAlgorithm.Batch;
        Assert.Throws<InvalidOperationException>(() => shortcut.TrainCascade(data, 2, 0.01f));
        shortcut.TrainingAlgorithm = TrainingAlgorithm.Rprop;
        Assert.Throws<ArgumentOutOfRangeException>(() => shortcut.TrainCascade(data, 0, 0.01f));
        Assert.Throws<ArgumentOutOfRangeException>(() => shortcut.TrainCascade(data, 2, float.NaN));
        Assert.Equal(2, shortcut.LayerSizes.Count);
    }

    [Fact]
    public void Untrainable_activation_functions_are_rejected_before_training()
    {
        using var data = Datasets.Xor();
        using var net = NeuralNetwork.CreateStandard(2, 3, 1);
        net.HiddenActivation = ActivationFunction.Threshold;
        var weights = net.GetWeights();
        var e = Assert.Throws<InvalidOperationException>(() => net.Train(data, 10));
        Assert.Contains("Threshold", e.Message);
        Datasets.AssertBitIdentical(weights, net.GetWeights());
        // Running is fine: threshold outputs 0 or 1.
        net.OutputActivation = ActivationFunction.Threshold;
        Assert.Contains(net.Run([1f, -1f])[0], new[] { 0f, 1f });
    }

    [Fact]
    public void Product_default_128_64_32_n_network_runs()
    {
        const int n = 8;
        using var net = NeuralNetwork.CreateStandard(128, 64, 32, n);
        net.HiddenActivation = ActivationFunction.Sigmoid;
        net.OutputActivation = ActivationFunction.Sigmoid;
        Assert.Equal((128 + 1) * 64 + (64 + 1) * 32 + (32 + 1) * n, net.ConnectionCount);
        Assert.Equal([128, 64, 32, n], net.LayerSizes);
        Assert.Equal(128 + 1 + 64 + 1 + 32 + 1 + n, net.TotalNeurons);
        Assert.Equal((128, n), (net.InputCount, net.OutputCount));

        var inputs = Datasets.RandomInputs(200, 128, 3);
        var outputs = net.RunBatch(inputs);
        Assert.Equal(200, outputs.Length);
        Assert.All(outputs, o => Assert.All(o, v => Assert.InRange(v, 0f, 1f)));
        Datasets.AssertBitIdentical(outputs[17], net.Run(inputs[17]));

        var bytes = net.ToBytes();
        Assert.InRange(bytes.Length, 300_000, 450_000);
        using var loaded = NeuralNetwork.FromBytes(bytes);
        Datasets.AssertBitIdentical(outputs[5], loaded.Run(inputs[5]));
    }
}
