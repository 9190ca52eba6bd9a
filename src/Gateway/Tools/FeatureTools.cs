using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Numerics;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ModelContextProtocol.Server;
using SwarmCluster.Fann;
using SwarmCluster.Gateway.Cluster;
using SwarmCluster.Gateway.Security;

namespace SwarmCluster.Gateway.Tools;

/// <summary>features_detect: facts read from the runtime and the cluster at call time.</summary>
[McpServerToolType]
public sealed class FeatureTools(GrainCalls grains, ClusterDescription cluster, ProcessFigures process)
{
    // Admin: it describes the hosts and the cluster every tenant shares.
    [McpServerTool(Name = "features_detect", ReadOnly = true, Idempotent = true), ToolScope(Scope.Admin), Description(
        "Detect runtime features and capabilities of this process and cluster: .NET version, OS/architecture, " +
        "SIMD support, libfann availability (the neural engine; there is no WASM here), memory/GC, storage and " +
        "clustering providers and the live silo count.")]
    public async Task<FeaturesResult> FeaturesDetect(
        [Description("Feature category")] FeatureCategory category = FeatureCategory.All,
        CancellationToken cancellationToken = default)
    {
        var all = category == FeatureCategory.All;
        ClusterFeatures? clusterFeatures = null;
        if (all || category == FeatureCategory.Platform)
        {
            var hosts = await grains.Read(() => grains.Management.GetHosts(onlyActive: true), cancellationToken);
            clusterFeatures = new ClusterFeatures(cluster.Role, cluster.Storage, cluster.Clustering, cluster.ClusterId, hosts.Count,
                hosts.Select(h => new SiloFeature(h.Key.ToString(), h.Value.ToString().ToLowerInvariant())).OrderBy(s => s.Address, StringComparer.Ordinal).ToList());
        }

        return new FeaturesResult(
            category,
            all || category == FeatureCategory.Platform ? Platform() : null,
            all || category == FeatureCategory.Simd ? Simd() : null,
            all || category == FeatureCategory.Wasm ? new WasmFeatures(false, "no WebAssembly runtime here: neural operations run natively on libfann") : null,
            all || category is FeatureCategory.Wasm or FeatureCategory.Platform ? Neural() : null,
            all || category == FeatureCategory.Memory ? Memory() : null,
            clusterFeatures);
    }

    private static PlatformFeatures Platform() => new(
        RuntimeInformation.FrameworkDescription, Environment.Version.ToString(), RuntimeInformation.OSDescription,
        RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(), RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
        RuntimeInformation.RuntimeIdentifier, Environment.ProcessorCount, Environment.Is64BitProcess);

    private static SimdFeatures Simd() => new(
        Vector.IsHardwareAccelerated, Vector<float>.Count, Vector128.IsHardwareAccelerated, Vector256.IsHardwareAccelerated, Vector512.IsHardwareAccelerated,
        System.Runtime.Intrinsics.X86.Sse42.IsSupported, System.Runtime.Intrinsics.X86.Avx.IsSupported, System.Runtime.Intrinsics.X86.Avx2.IsSupported,
        System.Runtime.Intrinsics.X86.Fma.IsSupported, System.Runtime.Intrinsics.X86.Avx512F.IsSupported,
        System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported);

    private static NeuralFeatures Neural() => new(
        "this process", FannLibrary.IsAvailable, FannLibrary.LoadedPath, FannLibrary.Version, FannLibrary.UnavailableReason,
        FannLibrary.IsAvailable ? null : FannUnavailableException.InstallCommand);

    private MemoryFeatures Memory()
    {
        var info = GC.GetGCMemoryInfo();
        var snapshot = process.Snapshot();
        return new MemoryFeatures(GCSettings.IsServerGC, AppContext.TryGetSwitch("System.GC.Concurrent", out var concurrent) ? concurrent : true,
            GCSettings.LatencyMode.ToString(), info.TotalAvailableMemoryBytes, info.HeapSizeBytes, snapshot.WorkingSetBytes, snapshot.PrivateBytes,
            GC.GetTotalAllocatedBytes());
    }
}

public sealed record PlatformFeatures(
    string Framework, string DotnetVersion, string Os, string OsArchitecture, string ProcessArchitecture, string RuntimeIdentifier,
    int ProcessorCount, bool Is64BitProcess);

public sealed record SimdFeatures(
    bool VectorHardwareAccelerated, int VectorFloatCount, bool Vector128, bool Vector256, bool Vector512,
    bool Sse42, bool Avx, bool Avx2, bool Fma, bool Avx512F, bool AdvSimd);

public sealed record WasmFeatures(bool Available, string Note);

public sealed record NeuralFeatures(string Scope, bool FannAvailable, string? LoadedPath, string? Version, string? UnavailableReason, string? InstallCommand);

public sealed record MemoryFeatures(
    bool ServerGc, bool ConcurrentGc, string LatencyMode, long TotalAvailableMemoryBytes, long HeapSizeBytes, long WorkingSetBytes,
    long PrivateBytes, long TotalAllocatedBytes);

public sealed record SiloFeature(string Address, string Status);

public sealed record ClusterFeatures(string Role, string Storage, string Clustering, string ClusterId, int SiloCount, IReadOnlyList<SiloFeature> Silos);

public sealed record FeaturesResult(
    FeatureCategory Category, PlatformFeatures? Platform, SimdFeatures? Simd, WasmFeatures? Wasm, NeuralFeatures? Neural,
    MemoryFeatures? Memory, ClusterFeatures? Cluster);
