using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace SwarmCluster.Fann;

/// <summary>Loads Debian's libfann 2.2.0 float build once per process and reports whether it is usable.</summary>
public static partial class FannLibrary
{
    /// <summary>Files tried in order: the versioned float build, its dev symlink, then libfann.so.2 (also float on Debian).</summary>
    public static IReadOnlyList<string> CandidateNames { get; } = ["libfloatfann.so.2", "libfloatfann.so", "libfann.so.2"];

    // Set before the probes run so the resolver can hand it out while State is still being built.
    private static nint s_fannHandle;
    private static nint s_libcHandle;
    private static readonly Lazy<LoadState> s_state = new(LoadDefault, LazyThreadSafetyMode.ExecutionAndPublication);

    static FannLibrary()
    {
        // One resolver per assembly; every native entry point goes through EnsureAvailable, which runs this first.
        NativeLibrary.SetDllImportResolver(typeof(FannLibrary).Assembly, Resolve);
    }

    /// <summary>True when libfann loaded and passed the float-build self test.</summary>
    public static bool IsAvailable => s_state.Value.Available;

    /// <summary>Library version taken from the loaded file name (e.g. "2.2.0"), or null.</summary>
    public static string? Version => s_state.Value.Version;

    /// <summary>Path of the loaded shared object, or null.</summary>
    public static string? LoadedPath => s_state.Value.Path;

    /// <summary>Why libfann is unusable, or null when it is available.</summary>
    public static string? UnavailableReason => s_state.Value.Reason;

    /// <summary>Whether weights are read and written straight in libfann's weight array (layout verified at load).</summary>
    internal static bool DirectWeightAccess => s_state.Value.DirectWeights && !ForceConnectionArrayForTests;

    /// <summary>Test hook: exercise the fann_get_connection_array / fann_set_weight_array path.</summary>
    internal static bool ForceConnectionArrayForTests { get; set; }

    /// <summary>Serialises everything that seeds or draws from libc rand() (network creation, randomization).</summary>
    internal static readonly Lock RandLock = new();

    internal static void EnsureAvailable()
    {
        var state = s_state.Value;
        if (!state.Available)
            throw new FannUnavailableException(state.Reason ?? "unknown reason");
    }

    internal sealed record LoadState(bool Available, string? Reason, string? Path, string? Version, bool DirectWeights);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name == Native.Fann)
            return s_fannHandle;
        if (name == Native.LibC)
        {
            if (s_libcHandle == 0 && NativeLibrary.TryLoad("libc.so.6", out var libc))
                s_libcHandle = libc;
            return s_libcHandle;
        }
        return 0;
    }

    /// <summary>Try to dlopen the first usable candidate; no global state is touched (also used by tests).</summary>
    internal static bool TryOpen(IEnumerable<string> candidates, out nint handle, out string reason)
    {
        handle = 0;
        if (!OperatingSystem.IsLinux())
        {
            reason = $"the binding targets Linux (Debian's libfann2), this is {RuntimeInformation.OSDescription}";
            return false;
        }
        var failures = new List<string>();
        foreach (var name in candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var h))
            {
                failures.Add($"{name}: not found");
                continue;
            }
            var missing = Native.RequiredExports.Where(e => !NativeLibrary.TryGetExport(h, e, out _)).ToList();
            if (missing.Count > 0)
            {
                NativeLibrary.Free(h);
                failures.Add($"{name}: missing {string.Join(", ", missing.Take(3))}");
                continue;
            }
            handle = h;
            reason = "";
            return true;
        }
        reason = "could not load " + string.Join("; ", failures);
        return false;
    }

    private static LoadState LoadDefault()
    {
        if (!TryOpen(CandidateNames, out var handle, out var reason))
            return new LoadState(false, reason, null, null, false);

        s_fannHandle = handle;
        string? path = FindMappedPath(handle);
        string? version = path is null ? null : VersionSuffix().Match(path) is { Success: true } m ? m.Groups[1].Value : null;
        try
        {
            // Global default for every struct created from now on: never print errors.
            Native.fann_set_error_log(0, 0);
            if (!SelfTest.FloatBuildWorks(out var why))
                return new LoadState(false, $"{path ?? "libfann"} failed the float-build self test ({why})", path, version, false);
            bool direct = SelfTest.WeightLayoutMatches();
            return new LoadState(true, null, path, version, direct);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return new LoadState(false, $"libfann is incomplete: {e.Message}", path, version, false);
        }
    }

    /// <summary>The real file behind the handle: the mapping that holds fann_run, from the process's memory map.</summary>
    private static string? FindMappedPath(nint handle)
    {
        try
        {
            ulong address = (ulong)NativeLibrary.GetExport(handle, "fann_run");
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                // "start-end perms offset dev inode path"
                int dash = line.IndexOf('-'), space = line.IndexOf(' '), slash = line.IndexOf('/');
                if (dash <= 0 || space <= dash || slash < 0) continue;
                if (!ulong.TryParse(line.AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber, null, out var start) ||
                    !ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), System.Globalization.NumberStyles.HexNumber, null, out var end))
                    continue;
                if (address >= start && address < end)
                    return line[slash..].Trim();
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    [GeneratedRegex(@"\.so\.(\d+(?:\.\d+)*)$")]
    private static partial Regex VersionSuffix();
}
