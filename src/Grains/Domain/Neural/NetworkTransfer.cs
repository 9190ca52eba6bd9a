using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Daa;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Fann;
using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Neural;

/// <summary>
/// Moving routing networks between swarms (neural_import, daa_meta_learning): loading and checking a .net text,
/// blending weights. Swapping the network in and measuring it is the routing network's own business
/// (<see cref="Learning.RoutingNetwork.Adopt"/>, <see cref="Learning.RoutingNetwork.EvaluateHeldOut()"/>).
/// </summary>
internal static class NetworkTransfer
{
    /// <summary>
    /// Output activations an imported network may have: routing reads outputs as predicted success in 0..1 (held-out
    /// accuracy thresholds them at 0.5) and keeps training them by outcome, so each must range over 0..1 and be trainable.
    /// </summary>
    public static readonly IReadOnlySet<ActivationFunction> OutputActivations = new HashSet<ActivationFunction>
    {
        ActivationFunction.Sigmoid, ActivationFunction.SigmoidStepwise, ActivationFunction.Elliot, ActivationFunction.LinearPiece,
    };

    /// <summary>Hidden activations libfann can run but not train (the float build's gaussian stepwise outputs 0): refused, routing keeps training.</summary>
    public static readonly IReadOnlySet<ActivationFunction> UntrainableActivations = new HashSet<ActivationFunction>
    {
        ActivationFunction.Threshold, ActivationFunction.ThresholdSymmetric, ActivationFunction.GaussianStepwise,
    };

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

        var hidden = network.HiddenActivation;
        var output = network.OutputActivation;
        if (UntrainableActivations.Contains(hidden) || !OutputActivations.Contains(output))
        {
            network.Dispose();
            throw DomainException.Invalid(parameter,
                $"activation functions hidden {Name(hidden)}, output {Name(output)} do not fit routing: the output layer must give 0..1 and be trainable " +
                $"({string.Join(", ", OutputActivations.Select(Name))}) and the hidden layers trainable (not {string.Join(", ", UntrainableActivations.Select(Name))})");
        }

        return network;
    }

    private static string Name(ActivationFunction function) => "FANN_" + function switch
    {
        ActivationFunction.SigmoidStepwise => "SIGMOID_STEPWISE",
        ActivationFunction.SigmoidSymmetric => "SIGMOID_SYMMETRIC",
        ActivationFunction.SigmoidSymmetricStepwise => "SIGMOID_SYMMETRIC_STEPWISE",
        ActivationFunction.ThresholdSymmetric => "THRESHOLD_SYMMETRIC",
        ActivationFunction.GaussianSymmetric => "GAUSSIAN_SYMMETRIC",
        ActivationFunction.GaussianStepwise => "GAUSSIAN_STEPWISE",
        ActivationFunction.ElliotSymmetric => "ELLIOT_SYMMETRIC",
        ActivationFunction.LinearPiece => "LINEAR_PIECE",
        ActivationFunction.LinearPieceSymmetric => "LINEAR_PIECE_SYMMETRIC",
        ActivationFunction.SinSymmetric => "SIN_SYMMETRIC",
        ActivationFunction.CosSymmetric => "COS_SYMMETRIC",
        _ => function.ToString().ToUpperInvariant(),
    };

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
