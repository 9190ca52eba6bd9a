namespace SwarmCluster.Fann.Tests;

public class LibraryTests
{
    [Fact]
    public void Loads_the_debian_float_build()
    {
        Assert.True(FannLibrary.IsAvailable, FannLibrary.UnavailableReason);
        Assert.Null(FannLibrary.UnavailableReason);
        Assert.NotNull(FannLibrary.LoadedPath);
        Assert.Contains("fann", Path.GetFileName(FannLibrary.LoadedPath!));
        Assert.StartsWith("2.2", FannLibrary.Version);
        // The struct layout check passed, so weights are written directly (no O(n²) fallback).
        Assert.True(FannLibrary.DirectWeightAccess);
    }

    [Fact]
    public void Missing_library_reports_the_install_command()
    {
        Assert.False(FannLibrary.TryOpen(["libswarmcluster-missing-fann.so.9"], out var handle, out var reason));
        Assert.Equal(0, handle);
        Assert.Contains("libswarmcluster-missing-fann.so.9", reason);
        var e = new FannUnavailableException(reason);
        Assert.Contains("apt-get install -y libfann2", e.Message);
        Assert.IsAssignableFrom<FannException>(e);
        Assert.Equal(FannException.BindingError, e.ErrorCode);
    }

    [Fact]
    public void Enums_match_fann_data_h()
    {
        // The names arrays in the installed header list the values in enum order.
        var header = File.ReadAllText("/usr/include/fann_data.h");
        Assert.Equal(Names(header, "FANN_ACTIVATIONFUNC_NAMES", "FANN_"), Enum.GetNames<ActivationFunction>());
        Assert.Equal(Names(header, "FANN_TRAIN_NAMES", "FANN_TRAIN_"), Enum.GetNames<TrainingAlgorithm>());
        Assert.Equal(Names(header, "FANN_NETTYPE_NAMES", "FANN_NETTYPE_"), Enum.GetNames<NetworkType>());
    }

    private static string[] Names(string header, string array, string prefix)
    {
        int start = header.IndexOf(array + "[] = {", StringComparison.Ordinal);
        Assert.True(start >= 0, array);
        var body = header[start..header.IndexOf("};", start, StringComparison.Ordinal)];
        return System.Text.RegularExpressions.Regex.Matches(body, "\"([A-Z_]+)\"")
            .Select(m => string.Concat(m.Groups[1].Value[prefix.Length..].Split('_')
                .Select(w => w[0] + w[1..].ToLowerInvariant())))
            .ToArray();
    }
}
