using System.Diagnostics;
using System.Runtime;

namespace SwarmCluster.Gateway.Tools;

/// <summary>Measured figures of this process (not of any agent or grain).</summary>
public sealed record ProcessSnapshot(
    string Scope,
    string Role,
    int ProcessId,
    double UptimeSeconds,
    int ProcessorCount,
    double CpuTimeMs,
    double? CpuPercentSinceStart,
    long WorkingSetBytes,
    long PrivateBytes,
    long GcHeapBytes,
    long GcTotalAllocatedBytes,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    bool ServerGc,
    string GcLatencyMode);

public sealed class ProcessFigures(SwarmCluster.Gateway.Cluster.ClusterDescription cluster)
{
    public ProcessSnapshot Snapshot()
    {
        using var process = Process.GetCurrentProcess();
        var uptime = DateTime.Now - process.StartTime;
        var cpu = process.TotalProcessorTime;
        var info = GC.GetGCMemoryInfo();
        return new ProcessSnapshot(
            "process-wide", cluster.Role, process.Id, Math.Round(uptime.TotalSeconds, 1), Environment.ProcessorCount,
            Math.Round(cpu.TotalMilliseconds, 1),
            uptime.TotalMilliseconds > 0 ? Math.Round(100 * cpu.TotalMilliseconds / (uptime.TotalMilliseconds * Environment.ProcessorCount), 2) : null,
            process.WorkingSet64, process.PrivateMemorySize64, info.HeapSizeBytes, GC.GetTotalAllocatedBytes(),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            GCSettings.IsServerGC, GCSettings.LatencyMode.ToString());
    }
}
