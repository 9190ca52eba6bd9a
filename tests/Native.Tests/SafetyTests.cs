using System.Text;

namespace SwarmCluster.Fann.Tests;

/// <summary>Inputs that crash or corrupt a process using libfann directly must become managed exceptions.</summary>
public class SafetyTests
{
    private static void StillWorks(NeuralNetwork net) =>
        Assert.Equal(net.OutputCount, net.Run(new float[net.InputCount]).Length);

    public static TheoryData<int[]> BadLayouts => new()
    {
        new[] { 2, 0, 1 },          // zero-size layer: SIGFPE in libfann
        new[] { 0, 3, 1 },
        new[] { 2, 3, 0 },
        new[] { 2, -1, 1 },
        new[] { 5 },                // one layer
        Array.Empty<int>(),
        Enumerable.Repeat(2, NeuralNetwork.MaxLayers + 1).ToArray(),
        new[] { 2, NeuralNetwork.MaxNeuronsPerLayer + 1, 1 },
        Enumerable.Repeat(NeuralNetwork.MaxNeuronsPerLayer, NeuralNetwork.MaxLayers).ToArray(), // too many connections
    };

    [Theory]
    [MemberData(nameof(BadLayouts))]
    public void Bad_layer_sizes_are_rejected(int[] sizes)
    {
        var e = Assert.Throws<ArgumentException>(() => NeuralNetwork.CreateStandard(sizes));
        Assert.Equal("layerSizes", e.ParamName);
        Assert.Throws<ArgumentException>(() => NeuralNetwork.CreateShortcut(sizes));
        using var net = NeuralNetwork.CreateStandard(2, 1);
        StillWorks(net);
    }

    [Fact]
    public void Zero_size_layer_message_names_the_rule()
    {
        var e = Assert.Throws<ArgumentException>(() => NeuralNetwork.CreateStandard(2, 0, 1));
        Assert.Contains("layerSizes[1] is 0", e.Message);
        Assert.Contains("1..4096", e.Message);
        Assert.Throws<ArgumentNullException>(() => NeuralNetwork.CreateStandard(null!));
    }

    [Fact]
    public void Wrong_input_length_is_rejected()
    {
        using var net = NeuralNetwork.CreateStandard(3, 2, 2);
        foreach (var length in new[] { 0, 1, 2, 4, 1000 })
        {
            var e = Assert.Throws<ArgumentException>(() => net.Run(new float[length]));
            Assert.Equal("input", e.ParamName);
            Assert.Contains("3 inputs", e.Message);
        }
        Assert.Throws<ArgumentException>(() => net.Run(new float[3], new float[1]));
        var batch = Assert.Throws<ArgumentException>(() => net.RunBatch([new float[3], new float[2]]));
        Assert.Contains("inputs[1]", batch.Message);
        Assert.Throws<ArgumentException>(() => net.RunBatch([new float[3], null!]));
        StillWorks(net);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Non_finite_inputs_are_rejected(float bad)
    {
        using var net = NeuralNetwork.CreateStandard(2, 2, 1);
        var e = Assert.Throws<ArgumentException>(() => net.Run([0.5f, bad]));
        Assert.Contains("input[1]", e.Message);
        Assert.Throws<ArgumentException>(() => net.RunBatch([[0f, 0f], [bad, 0f]]));
        Assert.Throws<ArgumentException>(() => net.SetWeights(Enumerable.Repeat(bad, net.ConnectionCount).ToArray()));
        Assert.Throws<ArgumentException>(() => net.RandomizeWeights(bad, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.LearningRate = bad);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.HiddenActivationSteepness = bad);
        Assert.Throws<ArgumentException>(() => TrainingData.FromArrays([[0f, bad]], [[1f]]));
        StillWorks(net);
    }

    [Fact]
    public void Training_data_that_does_not_fit_the_network_is_rejected()
    {
        using var net = NeuralNetwork.CreateStandard(2, 3, 1);
        using var threeInputs = TrainingData.FromArrays([[1f, 2f, 3f]], [[1f]]);
        using var twoOutputs = TrainingData.FromArrays([[1f, 2f]], [[1f, 0f]]);
        foreach (var data in new[] { threeInputs, twoOutputs })
        {
            var e = Assert.Throws<ArgumentException>(() => net.Train(data, 10));
            Assert.Equal("data", e.ParamName);
            Assert.Contains("must match", e.Message);
            Assert.Throws<ArgumentException>(() => net.Test(data));
        }
        using var shortcut = NeuralNetwork.CreateShortcut(2, 1);
        Assert.Throws<ArgumentException>(() => shortcut.TrainCascade(threeInputs, 2, 0.01f));
        StillWorks(net);
    }

    [Fact]
    public void Training_parameters_are_checked()
    {
        using var net = NeuralNetwork.CreateStandard(2, 3, 1);
        using var data = Datasets.Xor();
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Train(data, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Train(data, NeuralNetwork.MaxEpochs + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Train(data, 10, -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Train(data, 10, float.NaN));
        Assert.Throws<ArgumentNullException>(() => net.Train(null!, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.LearningRate = 0f);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.OutputActivationSteepness = 0f);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.HiddenActivation = (ActivationFunction)99);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainingAlgorithm = (TrainingAlgorithm)99);
        Assert.Throws<ArgumentException>(() => net.RandomizeWeights(1f, -1f));
        Assert.Throws<ArgumentException>(() => net.RandomizeWeights(-3e38f, 3e38f));
        Assert.Throws<ArgumentException>(() => net.SetWeights(new float[net.ConnectionCount - 1]));
        Assert.Equal(0.7f, net.LearningRate);
        StillWorks(net);
    }

    [Fact]
    public void Disposed_objects_throw_instead_of_touching_freed_memory()
    {
        var net = NeuralNetwork.CreateStandard(2, 3, 1);
        var data = Datasets.Xor();
        net.Dispose();
        net.Dispose();
        Assert.Throws<ObjectDisposedException>(() => net.Run([1f, 1f]));
        Assert.Throws<ObjectDisposedException>(() => net.Train(data, 1));
        Assert.Throws<ObjectDisposedException>(() => net.ToBytes());
        Assert.Throws<ObjectDisposedException>(() => net.GetWeights());
        Assert.Throws<ObjectDisposedException>(() => net.Copy());
        Assert.Throws<ObjectDisposedException>(() => _ = net.ConnectionCount);
        Assert.Throws<ObjectDisposedException>(() => net.LearningRate = 0.1f);
        Assert.Equal("NeuralNetwork (disposed)", net.ToString());

        using var live = NeuralNetwork.CreateStandard(2, 3, 1);
        data.Dispose();
        Assert.Throws<ObjectDisposedException>(() => live.Train(data, 1));
        Assert.Throws<ObjectDisposedException>(() => data.GetInput(0));
        StillWorks(live);
    }

    [Fact]
    public void Bad_training_arrays_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => TrainingData.FromArrays([], []));
        Assert.Throws<ArgumentException>(() => TrainingData.FromArrays([[1f]], [[1f], [2f]]));
        var ragged = Assert.Throws<ArgumentException>(() => TrainingData.FromArrays([[1f, 2f], [1f]], [[1f], [1f]]));
        Assert.Contains("inputs[1]", ragged.Message);
        Assert.Contains("rectangular", ragged.Message);
        Assert.Throws<ArgumentException>(() => TrainingData.FromArrays([[1f], null!], [[1f], [1f]]));
        Assert.Throws<ArgumentException>(() => TrainingData.FromArrays([[], []], [[1f], [1f]]));
        Assert.Throws<ArgumentException>(() => TrainingData.FromArrays([new float[NeuralNetwork.MaxNeuronsPerLayer + 1]], [[1f]]));
        Assert.Throws<ArgumentException>(() => TrainingData.FromArrays([[1f]], [[float.NaN]]));
        Assert.Throws<ArgumentNullException>(() => TrainingData.FromArrays(null!, [[1f]]));
    }

    [Theory]
    [InlineData("", "missing number of pairs")]
    [InlineData("4 2", "missing number of outputs")]
    [InlineData("0 2 1", "positive integer")]
    [InlineData("-4 2 1\n", "positive integer")]
    [InlineData("2 2 1\n1 1\n0\n1", "too short")]
    [InlineData("2 1 1\n1 1\n0            ", "pair 1 is missing output")]
    [InlineData("1 2 1\n1 1\n0\n7", "extra data")]
    [InlineData("1 2 1\n1 nan\n0\n", "line 2")]
    [InlineData("1 2 1\n1 1e40\n0\n", "finite")]
    [InlineData("1 2 1\n1 x\n0\n", "not a number")]
    [InlineData("99999999 4096 4096\n", "at most")]
    [InlineData("1 5000 1\n", "1..4096")]
    public void Bad_training_text_is_rejected(string text, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => TrainingData.Parse(text));
        Assert.Equal("fannText", e.ParamName);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Training_text_parses_like_fann_reads_it()
    {
        using var data = TrainingData.Parse("3 2 1\n0 1\n1\n1.5 -2e-1\n-1\r\n  0.25   0.5\t\n0\n");
        Assert.Equal((3, 2, 1), (data.Count, data.InputCount, data.OutputCount));
        Assert.Equal([1.5f, -0.2f], data.GetInput(1));
        Assert.Equal([-1f], data.GetOutput(1));
        Assert.Equal([0.25f, 0.5f], data.GetInput(2));

        var (first, rest) = data.Split(1);
        using (first)
        using (rest)
        {
            Assert.Equal((1, 2), (first.Count, rest.Count));
            Assert.Equal([1.5f, -0.2f], rest.GetInput(0));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(0));
    }

    private static string XorText()
    {
        using var net = Datasets.TrainedXor();
        return Encoding.ASCII.GetString(net.ToBytes());
    }

    private static string ReplaceFirstAfter(string text, string marker, string oldValue, string newValue)
    {
        int start = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, marker);
        int at = text.IndexOf(oldValue, start + marker.Length, StringComparison.Ordinal);
        Assert.True(at >= 0, oldValue);
        return text[..at] + newValue + text[(at + oldValue.Length)..];
    }

    public static TheoryData<string, string> TamperedNetworks()
    {
        var good = XorText();
        const string connections = "connections (connected_to_neuron, weight)=";
        const string neurons = "neurons (num_inputs, activation_function, activation_steepness)=";
        var firstWeightStart = good.IndexOf(connections, StringComparison.Ordinal) + connections.Length + "(0, ".Length;
        var firstWeightEnd = good.IndexOf(')', firstWeightStart);
        return new TheoryData<string, string>
        {
            { "", "empty" },
            { "FANN_FLO_2.1\n", "num_layers" },
            { good.Replace("FANN_FLO_2.1", "FANN_FIX_2.0"), "first line" },
            { good[..(good.Length / 2)], "line" },
            { good.Replace("num_layers=3", "num_layers=17"), "between 2 and 16" },
            { good.Replace("layer_sizes=3 4 2 ", "layer_sizes=3 0 2 "), "layer size is 0" },
            { good.Replace("layer_sizes=3 4 2 ", "layer_sizes=3 1 2 "), "layer size is 1" },   // hidden layer with only a bias
            { ReplaceFirstAfter(good, connections, "(0, ", "(9999, "), "connected neuron" },
            { ReplaceFirstAfter(good, connections + "(0, ", "(1, ", "(0, "), "expected 1" },
            { ReplaceFirstAfter(good, neurons, "(3, ", "(300, "), "has 300 connections" },
            { good[..firstWeightStart] + "nan" + good[firstWeightEnd..], "finite decimal" },
            { good.Replace("connection_rate=1.000000", "connection_rate=0.500000"), "sparse" },
            { good.Replace("cascade_activation_functions_count=10", "cascade_activation_functions_count=0"), "between 1 and 64" },
            { good.Replace("scale_included=0", "scale_included=1"), "scale_included=0" },
            { good + "trailing", "after the connections" },
            { good.Replace("training_algorithm=2", "training_algorithm=-2"), "unsigned integer" },
        };
    }

    [Theory]
    [MemberData(nameof(TamperedNetworks))]
    public void Corrupt_network_text_never_reaches_libfann(string text, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => NeuralNetwork.FromBytes(Encoding.ASCII.GetBytes(text)));
        Assert.Equal("fannText", e.ParamName);
        Assert.Contains(expected, e.Message);
        // The untouched text still loads.
        using var ok = NeuralNetwork.FromBytes(Encoding.ASCII.GetBytes(XorText()));
        StillWorks(ok);
    }

    [Fact]
    public void Random_garbage_bytes_are_rejected()
    {
        var rng = new Random(5);
        for (int i = 0; i < 200; i++)
        {
            var bytes = new byte[rng.Next(1, 4000)];
            rng.NextBytes(bytes);
            if (i % 2 == 0) Encoding.ASCII.GetBytes("FANN_FLO_2.1\n").CopyTo(bytes, 0);
            Assert.Throws<ArgumentException>(() => NeuralNetwork.FromBytes(bytes));
        }
        var path = Path.Combine(Path.GetTempPath(), $"scfann-{Guid.NewGuid():N}.net");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("garbage"));
        try
        {
            Assert.Equal("path", Assert.Throws<ArgumentException>(() => NeuralNetwork.Load(path)).ParamName);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
