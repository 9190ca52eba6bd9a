using System.Runtime.InteropServices;
using SwarmCluster.Fann;

namespace SwarmCluster.Bench.Neural;

/// <summary>Diagnostic: the same network loaded into a second libfann handle and run by bare P/Invoke.</summary>
internal sealed unsafe partial class RawFann : IDisposable
{
    private const string Lib = "libfloatfann.so.2";
    private nint _ann;

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] private static partial nint fann_create_from_file(string path);
    [LibraryImport(Lib)] private static partial float* fann_run(nint ann, float* input);
    [LibraryImport(Lib)] private static partial void fann_destroy(nint ann);
    [LibraryImport(Lib)] private static partial uint fann_get_num_output(nint ann);

    public static RawFann Load(NeuralNetwork net)
    {
        var path = Path.Combine(Path.GetTempPath(), $"bench-raw-{Environment.ProcessId}.net");
        try
        {
            net.Save(path); // weights round-trip exactly
            var ann = fann_create_from_file(path);
            return ann == 0 ? throw new InvalidOperationException("fann_create_from_file failed") : new RawFann { _ann = ann };
        }
        finally { File.Delete(path); }
    }

    /// <summary>One pass; returns output[index] (for the checksum).</summary>
    public float Run(float[] input, int index)
    {
        fixed (float* p = input)
            return fann_run(_ann, p)[index];
    }

    /// <summary>One pass; returns every output.</summary>
    public float[] RunAll(float[] input)
    {
        int count = (int)fann_get_num_output(_ann);
        fixed (float* p = input)
            return new ReadOnlySpan<float>(fann_run(_ann, p), count).ToArray();
    }

    public void Dispose()
    {
        if (_ann != 0) fann_destroy(_ann);
        _ann = 0;
    }
}
