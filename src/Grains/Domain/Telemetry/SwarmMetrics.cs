using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SwarmCluster.Grains.Telemetry;

/// <summary>
/// SwarmCluster's own instruments (meter "SwarmCluster"). Every figure is counted where the event happens (a tool
/// call, a task transition, a training run, a memory write), never by scanning state, so recording costs nothing
/// when no listener is attached. Silos and gateways emit the ones for the work they do.
/// </summary>
public static class SwarmMetrics
{
    public const string MeterName = "SwarmCluster";

    private static readonly Meter Meter = new(MeterName, typeof(SwarmMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>MCP and REST tool calls, tagged tool and outcome ("ok" or the error kind).</summary>
    public static readonly Counter<long> ToolCalls = Meter.CreateCounter<long>(
        "swarmcluster.tool.calls", "{call}", "Tool calls answered by this gateway, by tool and outcome");

    public static readonly Histogram<double> ToolDuration = Meter.CreateHistogram(
        "swarmcluster.tool.duration", "s", "Time to answer a tool call, by tool and outcome",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    /// <summary>Task life-cycle steps (created, claimed, completed, failed, lease_expired …), tagged event.</summary>
    public static readonly Counter<long> TaskEvents = Meter.CreateCounter<long>(
        "swarmcluster.task.events", "{event}", "Task transitions recorded by task grains, by event");

    public static readonly Counter<long> TaskClaims = Meter.CreateCounter<long>(
        "swarmcluster.task.claims", "{claim}", "Tasks handed to an agent under a lease (task_claim and assignment)");

    public static readonly Counter<long> LeaseExpiries = Meter.CreateCounter<long>(
        "swarmcluster.task.lease_expiries", "{expiry}", "Leases that ran out without a report from the holder");

    public static readonly Counter<long> TrainingRuns = Meter.CreateCounter<long>(
        "swarmcluster.training.runs", "{run}", "Trainings applied to swarm networks, by network (routing or custom) and trigger (automatic or manual)");

    public static readonly Counter<long> TrainingEpochs = Meter.CreateCounter<long>(
        "swarmcluster.training.epochs", "{epoch}", "Epochs trained, by network and trigger");

    public static readonly Gauge<double> TrainingLastMse = Meter.CreateGauge<double>(
        "swarmcluster.training.last_mse", null, "Final mean squared error of the latest training on this silo, by network and trigger");

    /// <summary>Requests refused before any work: reason unauthenticated, forbidden, rate_limited or quota.</summary>
    public static readonly Counter<long> Refusals = Meter.CreateCounter<long>(
        "swarmcluster.refusals", "{refusal}", "Requests refused by authentication, scopes, the rate limit or a tenant quota, by reason");

    /// <summary>One applied training (never a cancelled or failed one).</summary>
    public static void RecordTraining(Contracts.Neural.NetworkKind network, Contracts.Neural.TrainingTrigger trigger, int epochs, float? lastMse)
    {
        var tags = new TagList { { "network", TagValue(network) }, { "trigger", TagValue(trigger) } };
        TrainingRuns.Add(1, tags);
        TrainingEpochs.Add(epochs, tags);
        if (lastMse is { } mse)
        {
            TrainingLastMse.Record(mse, tags);
        }
    }

    public static void RecordRefusal(string reason) => Refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    // Entries and bytes held by the memory namespaces active in this process (summed over silos: the cluster). Observed
    // as totals rather than added as changes: a listener that starts after a namespace activated (a collector attached
    // later, a second silo in the process) would otherwise sum only the later changes, down to negative totals.
    private static long _memoryEntries;
    private static long _memoryBytes;

    private static readonly ObservableUpDownCounter<long> MemoryEntries = Meter.CreateObservableUpDownCounter(
        "swarmcluster.memory.entries", () => Interlocked.Read(ref _memoryEntries), "{entry}", "Shared-memory entries held by active namespaces");

    private static readonly ObservableUpDownCounter<long> MemoryBytes = Meter.CreateObservableUpDownCounter(
        "swarmcluster.memory.bytes", () => Interlocked.Read(ref _memoryBytes), "By", "UTF-8 bytes of shared-memory values held by active namespaces");

    /// <summary>A namespace took on (positive) or let go of (negative) entries and their bytes.</summary>
    public static void RecordMemoryHeld(long entries, long bytes)
    {
        Interlocked.Add(ref _memoryEntries, entries);
        Interlocked.Add(ref _memoryBytes, bytes);
    }

    /// <summary>snake_case of an enum member for tag values (LeaseExpired → lease_expired).</summary>
    public static string TagValue<T>(T value) where T : struct, Enum
    {
        var name = value.ToString();
        var chars = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                chars.Append('_');
            }

            chars.Append(char.ToLowerInvariant(name[i]));
        }

        return chars.ToString();
    }
}
