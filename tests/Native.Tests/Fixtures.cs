using System.IO.Compression;

namespace SwarmCluster.Fann.Tests;

/// <summary>Datasets shipped by libfann-doc (plain or gzipped), and small in-code sets.</summary>
internal static class Datasets
{
    private const string Examples = "/usr/share/doc/libfann-dev/examples";

    /// <summary>Path to an example file; a gzipped copy is unpacked once into a temp folder.</summary>
    public static string Path(string relative)
    {
        var plain = System.IO.Path.Combine(Examples, relative);
        if (File.Exists(plain)) return plain;
        var gz = plain + ".gz";
        Assert.True(File.Exists(gz), $"libfann-doc dataset missing: {plain} (apt-get install -y libfann-doc)");
        var target = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "swarmcluster-fann-tests", relative);
        lock (typeof(Datasets))
        {
            if (!File.Exists(target))
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
                using var input = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress);
                using var output = File.Create(target);
                input.CopyTo(output);
            }
        }
        return target;
    }

    public static TrainingData Xor() => TrainingData.FromFile(Path("xor.data"));

    public static readonly float[][] XorInputs = [[-1, -1], [-1, 1], [1, -1], [1, 1]];

    /// <summary>Deterministic pseudo-random inputs in [-1, 1].</summary>
    public static float[][] RandomInputs(int count, int width, int seed)
    {
        var rng = new Random(seed);
        var rows = new float[count][];
        for (int i = 0; i < count; i++)
        {
            rows[i] = new float[width];
            for (int j = 0; j < width; j++) rows[i][j] = (float)(rng.NextDouble() * 2 - 1);
        }
        return rows;
    }

    /// <summary>A trained XOR network (seeded, so every run trains the same way).</summary>
    public static NeuralNetwork TrainedXor()
    {
        var net = NeuralNetwork.CreateStandard(2, 3, 1);
        net.HiddenActivation = ActivationFunction.SigmoidSymmetric;
        net.OutputActivation = ActivationFunction.SigmoidSymmetric;
        net.RandomizeWeights(-1f, 1f, seed: 42);
        using var data = Xor();
        var report = net.Train(data, 1000, 0.001f);
        Assert.True(report.ReachedDesiredError, $"XOR did not converge: final MSE {report.FinalMse}");
        return net;
    }

    public static void AssertBitIdentical(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"value {i}: {expected[i]:R} != {actual[i]:R}");
    }
}

/// <summary>Tests that redirect process-wide file descriptors run alone.</summary>
[CollectionDefinition("Serial", DisableParallelization = true)]
public sealed class SerialCollection;
