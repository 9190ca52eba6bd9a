using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Daa;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Fann;
using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Neural;

/// <summary>
/// Moving routing networks between swarms (neural_import, daa_meta_learning) and measuring them on held-out
/// outcomes. Kept apart from <see cref="SwarmLearning"/> so the routing network's training can change without
/// touching transfer.
/// </summary>
internal static class NetworkTransfer
{
    public const string AccuracyMethod =
        "held-out outcomes (every 4th recorded outcome, never trained on by a transfer): share of successful ones " +
        "(target ≥ 0.5) whose agent the network ranks first among the swarm's agents";

    /// <summary>Every <see cref="DaaLimits.HeldOutEvery"/>-th outcome is held out; the rest may be trained on.</summary>
    public static (List<T> Train, List<T> HeldOut) Split<T>(IReadOnlyList<T> outcomes)
    {
        var train = new List<T>();
        var heldOut = new List<T>();
        for (var i = 0; i < outcomes.Count; i++)
        {
            (i % DaaLimits.HeldOutEvery == DaaLimits.HeldOutEvery - 1 ? heldOut : train).Add(outcomes[i]);
        }

        return (train, heldOut);
    }

    /// <summary>Routing accuracy of <paramref name="network"/> on held-out outcomes, ranking only <paramref name="slots"/>.</summary>
    public static RoutingAccuracy Accuracy(NeuralNetwork network, IReadOnlyList<(string Text, int Slot, float Target)> heldOut, IReadOnlyCollection<int> slots)
    {
        var successes = heldOut.Where(o => o.Target >= 0.5f && slots.Contains(o.Slot)).ToList();
        var correct = 0;
        foreach (var outcome in successes)
        {
            var scores = network.Run(TaskFeatureEncoder.Encode(outcome.Text));
            var best = slots.Where(s => s < scores.Length).OrderByDescending(s => scores[s]).ThenBy(s => s).First();
            if (best == outcome.Slot)
            {
                correct++;
            }
        }

        return new RoutingAccuracy(successes.Count, correct, successes.Count > 0 ? (double)correct / successes.Count : null,
            successes.Count > 0 ? AccuracyMethod : AccuracyMethod + "; none recorded yet, so no accuracy");
    }

    /// <summary>Loads a .net text and checks it has exactly the swarm's layers; the error says which shape fits.</summary>
    public static NeuralNetwork Load(byte[] fannText, IReadOnlyList<int> expectedLayers, string parameter, string swarmId)
    {
        if (fannText is null || fannText.Length == 0)
        {
            throw DomainException.Invalid(parameter, "must not be empty (a FANN_FLO_2.1 .net text)");
        }

        if (fannText.Length > DaaLimits.MaxNetworkTextBytes)
        {
            throw DomainException.Invalid(parameter, $"must be at most {DaaLimits.MaxNetworkTextBytes} bytes (got {fannText.Length})");
        }

        NeuralNetwork network;
        try
        {
            network = NeuralNetwork.FromBytes(fannText);
        }
        catch (ArgumentException e)
        {
            throw DomainException.Invalid(parameter, e.Message);
        }
        catch (FannException e)
        {
            // The text passed the full check, yet libfann refused it: still the client's text.
            throw DomainException.Invalid(parameter, "libfann could not load it: " + e.Message);
        }

        var layers = network.LayerSizes.ToList();
        if (!layers.SequenceEqual(expectedLayers) || network.Type != NetworkType.Layer)
        {
            network.Dispose();
            throw DomainException.Invalid(parameter,
                $"a {(network.Type == NetworkType.Layer ? "layered" : "shortcut")} network with layers [{string.Join(", ", layers)}] does not fit swarm '{swarmId}': " +
                $"it needs a layered (fann_create_standard) network with layers [{string.Join(", ", expectedLayers)}] — " +
                $"{expectedLayers[0]} task features in, hidden {string.Join(" and ", expectedLayers.Skip(1).Take(expectedLayers.Count - 2))}, one output per agent slot (maxAgents {expectedLayers[^1]})");
        }

        return network;
    }

    /// <summary>target ← (1 − share)·target + share·source, weight by weight (same shape).</summary>
    public static void Blend(NeuralNetwork target, NeuralNetwork source, double share)
    {
        var mine = target.GetWeights();
        var theirs = source.GetWeights();
        var blended = new float[mine.Length];
        for (var i = 0; i < mine.Length; i++)
        {
            blended[i] = (float)((1 - share) * mine[i] + share * theirs[i]);
        }

        target.SetWeights(blended);
    }
}
