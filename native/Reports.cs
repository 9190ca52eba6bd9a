namespace SwarmCluster.Fann;

/// <summary>Result of <see cref="NeuralNetwork.Train(TrainingData, int, float)"/>.</summary>
/// <param name="EpochMse">MSE reported by each epoch, in order (measured during the epoch, before its weight update).</param>
/// <param name="ReachedDesiredError">True when a positive desired error was given and an epoch's MSE got to or below it.</param>
public sealed record TrainingReport(IReadOnlyList<float> EpochMse, bool ReachedDesiredError)
{
    /// <summary>MSE of the last epoch (NaN when no epoch ran).</summary>
    public float FinalMse => EpochMse.Count == 0 ? float.NaN : EpochMse[^1];

    public int Epochs => EpochMse.Count;
}

/// <summary>Result of <see cref="NeuralNetwork.TrainCascade(TrainingData, int, float)"/>.</summary>
/// <param name="NeuronsAdded">Hidden neurons installed (each becomes its own layer).</param>
/// <param name="FinalMse">MSE over the training data after the last output training (via fann_test_data).</param>
/// <param name="MseHistory">
/// NeuronsAdded + 1 entries: entry k is libfann's MSE from training the output connections with k neurons installed
/// (entry 0 is before any neuron was added).
/// </param>
public sealed record CascadeReport(int NeuronsAdded, float FinalMse, IReadOnlyList<float> MseHistory);
