using SwarmCluster.Fann;
using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Learning;

/// <summary>
/// A network measured on held-out outcomes (never trained on). For each one the network's output for the
/// credited agent's slot is its predicted success of that agent on that task.
/// </summary>
/// <param name="Accuracy">Share of held-out outcomes where (output ≥ 0.5) equals what happened (success or not); null without any.</param>
/// <param name="Mse">Mean of (output - target)² with the outcome's target (quality of a success, else 1/0); null without any.</param>
public readonly record struct HeldOutScore(int Count, double? Accuracy, double? Mse)
{
    public static readonly HeldOutScore None = new(0, null, null);

    internal static HeldOutScore Measure(NeuralNetwork network, IReadOnlyList<RoutingSample> heldOut, IReadOnlyList<float[]>? encoded = null)
    {
        if (heldOut.Count == 0)
        {
            return None;
        }

        var right = 0;
        double squares = 0;
        var output = new float[network.OutputCount];
        for (var i = 0; i < heldOut.Count; i++)
        {
            var sample = heldOut[i];
            network.Run(encoded?[i] ?? TaskFeatureEncoder.Encode(sample.Task), output);
            var predicted = output[sample.Slot];
            if (predicted >= 0.5f == sample.Success)
            {
                right++;
            }

            squares += (predicted - sample.Target) * (double)(predicted - sample.Target);
        }

        return new HeldOutScore(heldOut.Count, (double)right / heldOut.Count, squares / heldOut.Count);
    }
}
