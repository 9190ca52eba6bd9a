using System.Diagnostics.Metrics;
using SwarmCluster.Grains.Telemetry;

namespace SwarmCluster.Grains.Tests.Unit;

/// <summary>The memory gauges report what namespaces hold now, also to a listener that attached after they took it on.</summary>
public class MemoryMetricsTests
{
    [Fact]
    public void A_listener_attached_late_sees_the_entries_held_not_only_later_changes()
    {
        SwarmMetrics.RecordMemoryHeld(3, 30); // before anyone listens
        try
        {
            var observed = new Dictionary<string, long>();
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == SwarmMetrics.MeterName && instrument.Name.StartsWith("swarmcluster.memory.", StringComparison.Ordinal))
                    l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => observed[instrument.Name] = value);
            listener.Start();

            SwarmMetrics.RecordMemoryHeld(-1, -10);
            listener.RecordObservableInstruments();

            // Totals are process-wide (namespaces of the test cluster may hold more); 2 entries and 20 bytes are ours.
            Assert.True(observed.GetValueOrDefault("swarmcluster.memory.entries") >= 2, $"entries {observed.GetValueOrDefault("swarmcluster.memory.entries")}");
            Assert.True(observed.GetValueOrDefault("swarmcluster.memory.bytes") >= 20, $"bytes {observed.GetValueOrDefault("swarmcluster.memory.bytes")}");
        }
        finally
        {
            SwarmMetrics.RecordMemoryHeld(-2, -20);
        }
    }
}
