using System.Numerics;
using System.Runtime.InteropServices;
using SwarmCluster.Fann;

namespace SwarmCluster.Bench.Neural;

/// <summary>
/// Diagnostic only: FANN's forward pass for a standard layered network redone in C# with SIMD dot products over
/// the network's own weights (libfann's order: per neuron, one weight per previous-layer neuron, bias last).
/// Shows how much of the time is libfann's scalar inner loop; checked against NeuralNetwork.Run.
/// </summary>
internal sealed class ManagedForward
{
    private readonly int[] _sizes;
    private readonly float[][] _weights; // per layer: [neurons × (previous + 1)], row-major, padded rows
    private readonly int[] _stride;
    private readonly float[][] _values;
    private readonly ActivationFunction _hidden, _output;
    private readonly float _hiddenSteep, _outputSteep;

    public ManagedForward(NeuralNetwork net)
    {
        if (net.Type != NetworkType.Layer) throw new NotSupportedException("standard layered networks only");
        _sizes = [.. net.LayerSizes];
        _hidden = net.HiddenActivation; _output = net.OutputActivation;
        _hiddenSteep = net.HiddenActivationSteepness; _outputSteep = net.OutputActivationSteepness;
        var all = net.GetWeights();
        _weights = new float[_sizes.Length][];
        _stride = new int[_sizes.Length];
        _values = new float[_sizes.Length][];
        int w = 0;
        for (int l = 0; l < _sizes.Length; l++)
        {
            _values[l] = new float[Pad(_sizes[l] + 1)];
            _values[l][_sizes[l]] = 1f; // bias neuron
            if (l == 0) continue;
            int fanIn = _sizes[l - 1] + 1;
            _stride[l] = Pad(fanIn);
            _weights[l] = new float[_sizes[l] * _stride[l]];
            for (int n = 0; n < _sizes[l]; n++, w += fanIn)
                all.AsSpan(w, fanIn).CopyTo(_weights[l].AsSpan(n * _stride[l]));
        }
        if (w != all.Length) throw new InvalidOperationException($"weight count {all.Length} does not match layout {w}");
    }

    private static int Pad(int n) => (n + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;

    public void Run(ReadOnlySpan<float> input, Span<float> output)
    {
        input.CopyTo(_values[0]);
        int last = _sizes.Length - 1;
        for (int l = 1; l <= last; l++)
        {
            var prev = MemoryMarshal.Cast<float, Vector<float>>(_values[l - 1].AsSpan(0, _stride[l]));
            var act = l == last ? _output : _hidden;
            float steep = l == last ? _outputSteep : _hiddenSteep;
            float maxSum = 150f / steep;
            var cur = _values[l];
            for (int n = 0; n < _sizes[l]; n++)
            {
                var row = MemoryMarshal.Cast<float, Vector<float>>(_weights[l].AsSpan(n * _stride[l], _stride[l]));
                var acc = Vector<float>.Zero;
                for (int i = 0; i < row.Length; i++) acc += row[i] * prev[i];
                float sum = Math.Clamp(Vector.Sum(acc) * steep, -maxSum, maxSum);
                cur[n] = act switch
                {
                    ActivationFunction.Sigmoid => 1f / (1f + MathF.Exp(-2f * sum)),
                    ActivationFunction.SigmoidSymmetric => 2f / (1f + MathF.Exp(-2f * sum)) - 1f,
                    ActivationFunction.Linear => sum,
                    _ => throw new NotSupportedException($"activation {act}"),
                };
            }
            // Padding past the bias must stay zero so padded weights multiply zeros.
        }
        _values[last].AsSpan(0, output.Length).CopyTo(output);
    }

    public double MaxAbsDiff(NeuralNetwork net, float[] input)
    {
        var a = new float[net.OutputCount];
        Run(input, a);
        var b = net.Run(input);
        double d = 0;
        for (int i = 0; i < a.Length; i++) d = Math.Max(d, Math.Abs(a[i] - b[i]));
        return d;
    }
}
