using System.Runtime.InteropServices;

namespace SwarmCluster.Fann;

/// <summary>
/// Offsets into Debian 2.2.0's <c>struct fann</c> (float build, LP64), used only to reach the weight array:
/// libfann has no public bulk setter, and fann_set_weight_array is O(connections²). The layout is verified
/// against the public getters at load (SelfTest) and cheaply before every use; if it does not match, the
/// binding falls back to the public connection-array functions.
/// </summary>
internal static unsafe class FannLayout
{
    private const int LearningRate = 24;
    private const int NetworkType = 36;
    private const int FirstLayer = 40;
    private const int LastLayer = 48;
    private const int NumInput = 60;
    private const int NumOutput = 64;
    private const int Weights = 72;
    private const int TrainingAlgorithm = 96;
    private const int TotalConnections = 100;
    private const int LayerStructSize = 16;

    /// <summary>Cheap per-call check that the fields we rely on agree with libfann's own getters.</summary>
    internal static bool Agrees(nint ann)
    {
        if (IntPtr.Size != 8) return false;
        byte* p = (byte*)ann;
        long layerBytes = *(long*)(p + LastLayer) - *(long*)(p + FirstLayer);
        return *(uint*)(p + NumInput) == Native.fann_get_num_input(ann)
            && *(uint*)(p + NumOutput) == Native.fann_get_num_output(ann)
            && *(uint*)(p + TotalConnections) == Native.fann_get_total_connections(ann)
            && *(int*)(p + NetworkType) == Native.fann_get_network_type(ann)
            && layerBytes == (long)Native.fann_get_num_layers(ann) * LayerStructSize
            && *(nint*)(p + Weights) != 0;
    }

    /// <summary>Stronger one-off check used by the self test (fields set to distinctive values first).</summary>
    internal static bool AgreesIncludingParameters(nint ann) =>
        Agrees(ann)
        && *(float*)((byte*)ann + LearningRate) == Native.fann_get_learning_rate(ann)
        && *(int*)((byte*)ann + TrainingAlgorithm) == Native.fann_get_training_algorithm(ann);

    internal static float* WeightArray(nint ann) => *(float**)((byte*)ann + Weights);
}

/// <summary>Checks run once at load, before the library is declared available.</summary>
internal static unsafe class SelfTest
{
    /// <summary>A 2-1 linear network with known weights must compute exactly 1.0 in single precision.</summary>
    internal static bool FloatBuildWorks(out string why)
    {
        uint* layers = stackalloc uint[] { 2, 1 };
        nint ann;
        lock (FannLibrary.RandLock)
        {
            ann = Native.fann_create_standard_array(2, layers);
            if (ann == 0) { why = "could not create a 2-1 network"; return false; }
            Native.fann_set_error_log(ann, 0);
            Native.fann_randomize_weights(ann, 0.25f, 0.25f);
        }
        try
        {
            Native.fann_set_activation_function_output(ann, (int)ActivationFunction.Linear);
            Native.fann_set_activation_steepness_output(ann, 1f);
            float* input = stackalloc float[] { 1f, 2f };
            float* output = Native.fann_run(ann, input);
            // 0.25*1 + 0.25*2 + 0.25*bias(1) = 1.0 exactly; a double build would misread the arguments.
            if (output == null || output[0] != 1f || Native.fann_get_total_connections(ann) != 3)
            {
                why = output == null ? "fann_run returned NULL" : $"2-1 test network computed {output[0]} instead of 1";
                return false;
            }
            why = "";
            return Native.fann_get_errno(ann) == 0;
        }
        finally
        {
            Native.fann_destroy(ann);
        }
    }

    /// <summary>Verify the struct offsets and that writes through the weight array are seen by libfann.</summary>
    internal static bool WeightLayoutMatches()
    {
        if (IntPtr.Size != 8) return false;
        uint* layers = stackalloc uint[] { 3, 5, 2 };
        nint ann;
        lock (FannLibrary.RandLock)
            ann = Native.fann_create_standard_array(3, layers);
        if (ann == 0) return false;
        try
        {
            Native.fann_set_error_log(ann, 0);
            Native.fann_set_learning_rate(ann, 0.3125f);
            Native.fann_set_training_algorithm(ann, (int)TrainingAlgorithm.Quickprop);
            if (!FannLayout.AgreesIncludingParameters(ann)) return false;

            int n = (int)Native.fann_get_total_connections(ann);
            if (n != (3 + 1) * 5 + (5 + 1) * 2) return false;
            var conns = new Native.FannConnection[n];
            fixed (Native.FannConnection* c = conns)
            {
                Native.fann_get_connection_array(ann, c);
                for (int i = 0; i < n; i++) c[i].Weight = (i + 1) * 0.5f;
                Native.fann_set_weight_array(ann, c, (uint)n);
                float* w = FannLayout.WeightArray(ann);
                for (int i = 0; i < n; i++)
                    if (w[i] != (i + 1) * 0.5f) return false;

                for (int i = 0; i < n; i++) w[i] = -(i + 1) * 0.25f;
                Native.fann_get_connection_array(ann, c);
                for (int i = 0; i < n; i++)
                    if (c[i].Weight != -(i + 1) * 0.25f) return false;
            }
            return Native.fann_get_errno(ann) == 0;
        }
        finally
        {
            Native.fann_destroy(ann);
        }
    }
}
