using System.Numerics;
using System.Runtime.Intrinsics;

namespace SwarmCluster.Fann;

/// <summary>
/// libfann's forward pass (fann_run, float build) for a fully connected layer network, redone in managed code over a
/// snapshot of the network's weights, activation functions and steepnesses. SIMD runs across neurons (Vector of
/// float, or 512-bit vectors for wider layers where the CPU has them): each vector lane is one neuron, and every lane
/// adds its products in fann_run's own order (the n % 4 leading connections from the highest down, then groups of four
/// summed left to right and added to the running sum), so every sum is the same float libfann computes; activations
/// use the same formulas in the same precision (double exp, sin and cos from the same libm). libfann stays the trainer
/// and the file format; a snapshot is never updated, only rebuilt.
/// </summary>
internal sealed unsafe class ForwardPass
{
    // Lanes per vector: Vector<float> (128 or 256 bits), or 512 bits where the CPU runs them natively and a layer is wider than that.
    private static readonly int NarrowLanes = Vector<float>.Count;
    private static readonly int WideLanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count : NarrowLanes;

    private readonly int[] _sizes;
    // Per layer l ≥ 1: groups of _lanes[l] neurons; per group, one vector per connection (lane k = neuron g·lanes + k).
    private readonly float[][] _weights;
    private readonly int[] _lanes;
    private readonly ActivationFunction[][] _functions;
    private readonly float[][] _steepness;
    // Per layer: neuron values followed by the bias neuron's 1.
    private readonly float[][] _values;
    // One group's sums.
    private readonly float[] _sums = new float[WideLanes];

    private ForwardPass(int[] sizes, float[][] weights, int[] lanes, ActivationFunction[][] functions, float[][] steepness)
    {
        _sizes = sizes;
        _weights = weights;
        _lanes = lanes;
        _functions = functions;
        _steepness = steepness;
        _values = new float[sizes.Length][];
        for (int l = 0; l < sizes.Length; l++)
        {
            _values[l] = new float[sizes[l] + 1];
            _values[l][sizes[l]] = 1f;
        }
    }

    /// <summary>
    /// A snapshot of <paramref name="ann"/>, or null when fann_run must stay in charge: shortcut networks (cascade
    /// training grows those), connections other than the full layer-to-next-layer pattern (sparse networks), or an
    /// activation function this pass does not reproduce. Decided from the network's own connection array.
    /// </summary>
    internal static ForwardPass? TryCreate(nint ann, int[] sizes)
    {
        if (Native.fann_get_network_type(ann) != (int)NetworkType.Layer) return null;
        long expected = NeuralNetwork.CountConnections(sizes, NetworkType.Layer);
        int total = (int)Native.fann_get_total_connections(ann);
        if (total != expected) return null;

        var connections = new Native.FannConnection[total];
        fixed (Native.FannConnection* c = connections)
            Native.fann_get_connection_array(ann, c);

        var weights = new float[sizes.Length][];
        var lanes = new int[sizes.Length];
        var functions = new ActivationFunction[sizes.Length][];
        var steepness = new float[sizes.Length][];
        int at = 0;
        uint firstOfPrevious = 0; // global index of the previous layer's first neuron (bias neurons count)
        for (int l = 1; l < sizes.Length; l++)
        {
            int neurons = sizes[l], fanIn = sizes[l - 1] + 1;
            int width = lanes[l] = neurons > NarrowLanes ? WideLanes : NarrowLanes;
            int groups = (neurons + width - 1) / width;
            uint firstOfLayer = firstOfPrevious + (uint)fanIn;
            functions[l] = new ActivationFunction[neurons];
            steepness[l] = new float[neurons];
            var layer = weights[l] = new float[groups * fanIn * width];
            for (int n = 0; n < neurons; n++)
            {
                int f = Native.fann_get_activation_function(ann, l, n);
                if (!Reproduces(f)) return null;
                functions[l][n] = (ActivationFunction)f;
                steepness[l][n] = Native.fann_get_activation_steepness(ann, l, n);
                for (int i = 0; i < fanIn; i++)
                {
                    ref var c = ref connections[at + n * fanIn + i];
                    // Neuron n's i-th connection must come from neuron i of the previous layer (its bias last).
                    if (c.ToNeuron != firstOfLayer + (uint)n || c.FromNeuron != firstOfPrevious + (uint)i) return null;
                    layer[(n / width * fanIn + i) * width + n % width] = c.Weight;
                }
            }
            at += neurons * fanIn;
            firstOfPrevious = firstOfLayer;
        }
        return new ForwardPass(sizes, weights, lanes, functions, steepness);
    }

    /// <summary>Every function of libfann 2.2.0's float build (GaussianStepwise outputs 0 there, and here).</summary>
    private static bool Reproduces(int function) => function is >= 0 and <= (int)ActivationFunction.Cos;

    /// <summary>Callers have checked the lengths and that every input is finite.</summary>
    public void Run(ReadOnlySpan<float> input, Span<float> output)
    {
        input.CopyTo(_values[0]);
        for (int l = 1; l < _sizes.Length; l++)
        {
            var previous = _values[l - 1];
            var values = _values[l];
            var functions = _functions[l];
            var steepness = _steepness[l];
            int neurons = _sizes[l], fanIn = previous.Length, width = _lanes[l];
            fixed (float* x = previous)
            fixed (float* w = _weights[l])
            fixed (float* sums = _sums)
            {
                for (int first = 0; first < neurons; first += width)
                {
                    float* group = w + first * fanIn;
                    if (width == NarrowLanes) *(Vector<float>*)sums = Dot(x, (Vector<float>*)group, fanIn);
                    else Dot512(x, group, fanIn).Store(sums);
                    int count = Math.Min(width, neurons - first);
                    for (int k = 0; k < count; k++)
                        values[first + k] = Activate(functions[first + k], steepness[first + k], sums[k]);
                }
            }
        }
        _values[^1].AsSpan(0, output.Length).CopyTo(output);
    }

    // fann_run's unrolled loop, in every lane: the n % 4 leading connections one by one, highest first, then four at a
    // time summed left to right before joining the running sum.
    private static Vector<float> Dot(float* x, Vector<float>* w, int fanIn)
    {
        int lead = fanIn & 3;
        var sum = Vector<float>.Zero;
        if (lead == 3) sum += w[2] * new Vector<float>(x[2]);
        if (lead >= 2) sum += w[1] * new Vector<float>(x[1]);
        if (lead >= 1) sum += w[0] * new Vector<float>(x[0]);
        for (int i = lead; i < fanIn; i += 4)
        {
            sum += w[i] * new Vector<float>(x[i])
                + w[i + 1] * new Vector<float>(x[i + 1])
                + w[i + 2] * new Vector<float>(x[i + 2])
                + w[i + 3] * new Vector<float>(x[i + 3]);
        }
        return sum;
    }

    /// <summary><see cref="Dot"/> with 512-bit vectors.</summary>
    private static Vector512<float> Dot512(float* x, float* w, int fanIn)
    {
        const int L = 16;
        int lead = fanIn & 3;
        var sum = Vector512<float>.Zero;
        if (lead == 3) sum += Vector512.Load(w + 2 * L) * Vector512.Create(x[2]);
        if (lead >= 2) sum += Vector512.Load(w + L) * Vector512.Create(x[1]);
        if (lead >= 1) sum += Vector512.Load(w) * Vector512.Create(x[0]);
        for (int i = lead; i < fanIn; i += 4)
        {
            float* v = w + i * L;
            sum += Vector512.Load(v) * Vector512.Create(x[i])
                + Vector512.Load(v + L) * Vector512.Create(x[i + 1])
                + Vector512.Load(v + 2 * L) * Vector512.Create(x[i + 2])
                + Vector512.Load(v + 3 * L) * Vector512.Create(x[i + 3]);
        }
        return sum;
    }

    /// <summary>fann_run's activation step: scale by the steepness, clip to ±150/steepness, then fann_activation_switch.</summary>
    internal static float Activate(ActivationFunction function, float steepness, float sum)
    {
        sum = steepness * sum;
        float max = 150f / steepness;
        if (sum > max) sum = max;
        else if (sum < -max) sum = -max;
        // Same precision as the C macros: float arithmetic, except where they call exp/sin/cos (double) or compare
        // with double constants (the stepwise functions).
        return function switch
        {
            ActivationFunction.Linear => sum,
            ActivationFunction.Threshold => sum < 0 ? 0f : 1f,
            ActivationFunction.ThresholdSymmetric => sum < 0 ? -1f : 1f,
            ActivationFunction.Sigmoid => (float)(1.0 / (1.0 + Math.Exp(-2f * sum))),
            ActivationFunction.SigmoidSymmetric => (float)(2.0 / (1.0 + Math.Exp(-2f * sum)) - 1.0),
            ActivationFunction.SigmoidStepwise => (float)Stepwise(
                -2.64665246009826660156e+00, -1.47221946716308593750e+00, -5.49306154251098632812e-01,
                5.49306154251098632812e-01, 1.47221934795379638672e+00, 2.64665293693542480469e+00,
                4.99999988824129104614e-03, 5.00000007450580596924e-02, 2.50000000000000000000e-01,
                7.50000000000000000000e-01, 9.49999988079071044922e-01, 9.95000004768371582031e-01, 0, 1, sum),
            ActivationFunction.SigmoidSymmetricStepwise => (float)Stepwise(
                -2.64665293693542480469e+00, -1.47221934795379638672e+00, -5.49306154251098632812e-01,
                5.49306154251098632812e-01, 1.47221934795379638672e+00, 2.64665293693542480469e+00,
                -9.90000009536743164062e-01, -8.99999976158142089844e-01, -5.00000000000000000000e-01,
                5.00000000000000000000e-01, 8.99999976158142089844e-01, 9.90000009536743164062e-01, -1, 1, sum),
            ActivationFunction.Gaussian => (float)Math.Exp(-sum * sum),
            ActivationFunction.GaussianSymmetric => (float)(Math.Exp(-sum * sum) * 2.0 - 1.0),
            ActivationFunction.GaussianStepwise => 0f,
            ActivationFunction.Elliot => sum / 2f / (1f + Abs(sum)) + 0.5f,
            ActivationFunction.ElliotSymmetric => sum / (1f + Abs(sum)),
            ActivationFunction.LinearPiece => sum < 0 ? 0f : sum > 1 ? 1f : sum,
            ActivationFunction.LinearPieceSymmetric => sum < -1 ? -1f : sum > 1 ? 1f : sum,
            ActivationFunction.SinSymmetric => (float)Math.Sin(sum),
            ActivationFunction.CosSymmetric => (float)Math.Cos(sum),
            ActivationFunction.Sin => (float)(Math.Sin(sum) / 2.0 + 0.5),
            ActivationFunction.Cos => (float)(Math.Cos(sum) / 2.0 + 0.5),
            _ => throw new InvalidOperationException($"Activation {function} has no managed forward pass."),
        };
    }

    // fann_abs: -(x) for x ≤ 0.
    private static float Abs(float x) => x > 0 ? x : -x;

    // FANN's piecewise-linear sigmoid, in double like the C macro (its breakpoints are double constants).
    private static double Stepwise(double v1, double v2, double v3, double v4, double v5, double v6,
        double r1, double r2, double r3, double r4, double r5, double r6, double min, double max, double sum) =>
        sum < v5
            ? sum < v3
                ? sum < v2
                    ? sum < v1 ? min : Line(v1, r1, v2, r2, sum)
                    : Line(v2, r2, v3, r3, sum)
                : sum < v4 ? Line(v3, r3, v4, r4, sum) : Line(v4, r4, v5, r5, sum)
            : sum < v6 ? Line(v5, r5, v6, r6, sum) : max;

    private static double Line(double v1, double r1, double v2, double r2, double sum) => (r2 - r1) * (sum - v1) / (v2 - v1) + r1;
}
