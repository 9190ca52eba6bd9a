using System.Runtime.InteropServices;

namespace SwarmCluster.Fann.Tests;

/// <summary>libfann prints training reports to stdout and errors to stderr unless told not to.</summary>
[Collection("Serial")]
public unsafe class SilenceTests
{
    [DllImport("libc.so.6", SetLastError = true)] private static extern int dup(int fd);
    [DllImport("libc.so.6", SetLastError = true)] private static extern int dup2(int from, int to);
    [DllImport("libc.so.6", SetLastError = true)] private static extern int close(int fd);
    [DllImport("libc.so.6")] private static extern int fflush(nint stream);
    [DllImport("libc.so.6")] private static extern int puts(string text);

    private static string CaptureNativeOutput(Action action)
    {
        var path = Path.Combine(Path.GetTempPath(), $"scfann-out-{Guid.NewGuid():N}.txt");
        using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite);
        int fd = (int)file.SafeFileHandle.DangerousGetHandle();
        fflush(0);
        int savedOut = dup(1), savedErr = dup(2);
        Assert.True(savedOut >= 0 && savedErr >= 0);
        try
        {
            Assert.True(dup2(fd, 1) >= 0 && dup2(fd, 2) >= 0);
            action();
            fflush(0);
        }
        finally
        {
            dup2(savedOut, 1);
            dup2(savedErr, 2);
            close(savedOut);
            close(savedErr);
        }
        file.Dispose();
        var text = File.ReadAllText(path);
        File.Delete(path);
        return text;
    }

    [Fact]
    public void Capture_works()
    {
        // Guard against a capture that would miss output: libc's stdout (libfann's printf target) reaches the file.
        var text = CaptureNativeOutput(() => puts("captured-by-test"));
        Assert.Contains("captured-by-test", text);
    }

    [Fact]
    public void Training_cascade_and_errors_print_nothing()
    {
        var text = CaptureNativeOutput(() =>
        {
            using var data = Datasets.Xor();
            using var net = NeuralNetwork.CreateShortcut(2, 1);
            net.Train(data, 20);
            net.TrainCascade(data, 3, 0.0001f);
            using var layered = NeuralNetwork.CreateStandard(2, 3, 1);
            layered.Train(data, 20);
            NeuralNetwork.FromBytes(net.ToBytes()).Dispose();

            // Provoke a real libfann error (index out of bound) on a raw struct: reported as a code, never printed.
            uint* layers = stackalloc uint[] { 2, 1 };
            nint raw = Native.fann_create_standard_array(2, layers);
            try
            {
                Assert.Equal(-1, Native.fann_get_activation_function(raw, 99, 0));
                var e = Assert.Throws<FannException>(() => FannErrors.ThrowIfError(raw, "probe"));
                Assert.Equal(17, e.ErrorCode);
                Assert.Contains("index out of bounds", e.Message);
                FannErrors.ThrowIfError(raw, "probe"); // reset: no second throw
            }
            finally
            {
                Native.fann_destroy(raw);
            }
        });
        Assert.Equal("", text);
    }
}
