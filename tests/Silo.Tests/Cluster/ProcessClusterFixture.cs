using Xunit.Abstractions;
using Xunit.Sdk;

namespace SwarmCluster.Silo.Tests.Cluster;

/// <summary>
/// One process cluster (3 workers + gateway, fresh database, own ids) shared by the tests of the collection:
/// starting four .NET processes costs more than each test's own work.
/// </summary>
public sealed class ProcessClusterFixture : IAsyncLifetime
{
    public const int WorkerCount = 3;

    internal ProcessCluster Cluster { get; private set; } = null!;

    internal TestLog Log { get; } = new();

    public async Task InitializeAsync() => Cluster = await ProcessCluster.CreateAsync(WorkerCount, Log.Write);

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}

/// <summary>
/// Runs alone (no other test collection in parallel): failure detection is tuned to 1 s probes, and a
/// 2-core machine shared with other silo tests could starve a healthy silo into being voted dead.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessClusterCollection : ICollectionFixture<ProcessClusterFixture>
{
    public const string Name = "process-cluster";
}

/// <summary>Runs a class's tests in name order (A_, B_, C_): they share one cluster whose history they extend.</summary>
public sealed class ByNameOrderer : ITestCaseOrderer
{
    public const string TypeName = "SwarmCluster.Silo.Tests.Cluster.ByNameOrderer";
    public const string AssemblyName = "SwarmCluster.Silo.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);
}

/// <summary>Writes to the current test's output and to the console (what CI logs show), with a timestamp.</summary>
internal sealed class TestLog
{
    private readonly List<string> _pending = [];
    private ITestOutputHelper? _output;

    public void Attach(ITestOutputHelper output)
    {
        lock (_pending)
        {
            _output = output;
            foreach (var line in _pending)
            {
                TryWrite(line);
            }

            _pending.Clear();
        }
    }

    public void Detach()
    {
        lock (_pending)
        {
            _output = null;
        }
    }

    public void Write(string message)
    {
        var line = $"[{DateTime.UtcNow:HH:mm:ss.fff}] {message}";
        Console.WriteLine("[cluster] " + line);
        lock (_pending)
        {
            if (_output is null)
            {
                _pending.Add(line);
            }
            else
            {
                TryWrite(line);
            }
        }
    }

    private void TryWrite(string line)
    {
        try
        {
            _output!.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test already finished (a late background line).
        }
    }
}

/// <summary>Context for the figures: timings on a shared 2-core machine depend on what else runs.</summary>
internal static class Machine
{
    public static string LoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"load average {fields[0]} / {fields[1]} / {fields[2]}";
        }
        catch (IOException)
        {
            return "load average unknown";
        }
    }
}
