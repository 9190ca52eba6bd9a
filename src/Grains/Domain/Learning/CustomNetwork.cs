using SwarmCluster.Contracts.Errors;
using SwarmCluster.Fann;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains.Learning;

/// <summary>
/// A swarm's "custom" network: the routing network's shape, trained only on caller-supplied samples
/// (neural_train with samples) and never used for routing, so supplied samples cannot overwrite what the swarm
/// learned from its outcomes. Updates the <see cref="SwarmCustomNetworkState"/> given to <see cref="Open"/> in
/// place (the owner writes it after <see cref="Train"/>). One owner, like <see cref="RoutingNetwork"/>.
/// </summary>
public sealed class CustomNetwork : IDisposable
{
    /// <summary>
    /// Incremental, not FANN's RPROP default: on this [128, 64, 32, n] sigmoid network RPROP reached ~0 MSE and
    /// then oscillated (0 ↔ 0.25 ↔ 0.5) for 23 of 100 seeds on a separable task; incremental fell for all 100.
    /// </summary>
    public const TrainingAlgorithm Algorithm = TrainingAlgorithm.Incremental;

    private readonly SwarmCustomNetworkState _state;
    private NeuralNetwork _network;

    private CustomNetwork(NeuralNetwork network, SwarmCustomNetworkState state)
    {
        _network = network;
        _state = state;
    }

    /// <summary>The live network (owner's thread; train it only through <see cref="Train"/>).</summary>
    public NeuralNetwork Network => _network;

    public bool Trained => _state.Trained;

    /// <summary>Its own seed, so an untrained custom network is not a clone of the untrained routing network.</summary>
    public static int SeedFor(string swarmId) => StableTextHash.Seed(swarmId + "/custom");

    /// <summary>Loads the stored network or builds the untrained one from the seed (same rules as <see cref="RoutingNetwork.Open"/>).</summary>
    public static CustomNetwork Open(int outputs, int seed, SwarmCustomNetworkState state)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Network is null && state.Trained)
        {
            throw new DomainException(ErrorKind.Unavailable, "the custom network was trained but its stored bytes are missing");
        }

        NeuralNetwork net;
        if (state.Network is { } bytes)
        {
            net = NeuralNetwork.FromBytes(bytes);
        }
        else
        {
            net = RoutingNetwork.CreateUntrained(outputs, seed);
            net.TrainingAlgorithm = Algorithm;
        }

        if (net.InputCount != RoutingNetwork.InputSize || net.OutputCount != outputs)
        {
            var shape = $"{net.InputCount} inputs, {net.OutputCount} outputs";
            net.Dispose();
            throw new DomainException(ErrorKind.Unavailable, $"the stored custom network has the wrong shape ({shape}; expected {RoutingNetwork.InputSize}, {outputs})");
        }

        return new CustomNetwork(net, state);
    }

    /// <summary>
    /// Trains a copy for exactly <paramref name="epochs"/> epochs on samples the caller validated (input size 128,
    /// targets of the output count in 0..1) and swaps it in only when training succeeded. It may run off the
    /// owner's scheduler while the owner awaits it (nothing else may use this instance meanwhile).
    /// </summary>
    public TrainingReport Train(IReadOnlyList<float[]> inputs, IReadOnlyList<float[]> targets, int epochs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        using var data = TrainingData.FromArrays([.. inputs], [.. targets]);
        var copy = _network.Copy();
        TrainingReport report;
        byte[] bytes;
        try
        {
            copy.TrainingAlgorithm = Algorithm;
            report = copy.Train(data, epochs);
            bytes = copy.ToBytes();
        }
        catch
        {
            copy.Dispose();
            throw;
        }

        var old = _network;
        _network = copy;
        old.Dispose();
        _state.Network = bytes;
        _state.EpochsTrained += report.Epochs;
        _state.LastMse = report.EpochMse.Count > 0 ? report.EpochMse[^1] : null;
        _state.LastTrainedAt = DateTimeOffset.UtcNow;
        _state.Trained = true;
        _state.LastSamples = inputs.Count;
        return report;
    }

    public void Dispose() => _network.Dispose();
}
