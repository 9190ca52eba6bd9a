namespace SwarmCluster.Fann.Tests;

public class ConcurrencyTests
{
    [Fact]
    public async Task One_network_shared_by_many_threads_stays_consistent()
    {
        using var net = Datasets.TrainedXor();
        using var data = Datasets.Xor();
        var inputs = Datasets.RandomInputs(64, 2, 9);
        var expected = inputs.Select(i => net.Run(i)).ToArray();

        // Readers run while one writer trains copies and re-sets the same weights.
        var weights = net.GetWeights();
        var readers = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (int round = 0; round < 200; round++)
            {
                int k = (round + t) % inputs.Length;
                Datasets.AssertBitIdentical(expected[k], net.Run(inputs[k]));
            }
        }));
        var writer = Task.Run(() =>
        {
            for (int round = 0; round < 20; round++)
            {
                using var copy = net.Copy();
                copy.Train(data, 5);
                net.SetWeights(weights);
            }
        });
        await Task.WhenAll(readers.Append(writer));
    }

    [Fact]
    public async Task Creation_and_seeded_randomization_run_in_parallel()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
        {
            using var net = NeuralNetwork.CreateStandard(4, 8, 2);
            net.RandomizeWeights(-1, 1, seed: 77);
            return net.GetWeights();
        })));
        foreach (var w in results.Skip(1))
            Datasets.AssertBitIdentical(results[0], w);
    }

    [Fact]
    public async Task Training_data_can_be_shared_and_disposed_while_in_use()
    {
        var data = Datasets.Xor();
        var nets = Enumerable.Range(0, 4).Select(_ => NeuralNetwork.CreateStandard(2, 3, 1)).ToArray();
        try
        {
            var tasks = nets.Select(n => Task.Run(() =>
            {
                try { n.Train(data, 200); }
                catch (ObjectDisposedException) { } // disposed before this one started
            })).ToArray();
            data.Dispose();
            await Task.WhenAll(tasks);
            foreach (var n in nets) Assert.Single(n.Run([1f, -1f]));
        }
        finally
        {
            foreach (var n in nets) n.Dispose();
        }
    }
}
