using SwarmCluster.Gateway.Tests.Infrastructure;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Tests;

/// <summary>One embedded silo per data directory: the lock, what it records, and takeover from a dead owner.</summary>
public sealed class DataDirectoryLockTests : IDisposable
{
    private readonly string _dataDirectory = TestPaths.NewTempDirectory("lock");

    [Fact]
    public void ASecondAcquire_FailsNamingTheOwnerAndItsUrl_UntilTheFirstIsReleased()
    {
        var first = DataDirectoryLock.Acquire(_dataDirectory);
        var starting = Assert.Throws<DataDirectoryLockedException>(() => DataDirectoryLock.Acquire(_dataDirectory));
        Assert.Contains($"'{_dataDirectory}' is already in use by process {Environment.ProcessId} (starting; no URL yet)", starting.Message);

        first.Publish(DataDirectoryOwner.Ready, "http://127.0.0.1:9999/mcp", "/tmp/x.sock");
        var ready = Assert.Throws<DataDirectoryLockedException>(() => DataDirectoryLock.Acquire(_dataDirectory));
        Assert.Contains($"process {Environment.ProcessId} (gateway at http://127.0.0.1:9999/mcp)", ready.Message);
        var owner = DataDirectoryLock.ReadOwner(_dataDirectory)!;
        Assert.Equal((Environment.ProcessId, DataDirectoryOwner.Ready, "http://127.0.0.1:9999/mcp", "/tmp/x.sock", true),
            (owner.Pid, owner.State, owner.Url, owner.Bridge, owner.IsAlive));

        first.Dispose();
        Assert.Equal(DataDirectoryOwner.Stopped, DataDirectoryLock.ReadOwner(_dataDirectory)!.State);
        using var second = DataDirectoryLock.Acquire(_dataDirectory);
        Assert.Equal(DataDirectoryOwner.Starting, DataDirectoryLock.ReadOwner(_dataDirectory)!.State);
    }

    [Fact]
    public async Task ARecordWhosePidWasReused_IsNotALiveOwner()
    {
        // Our own pid, but a process start that is not ours: a later process that got the dead owner's pid.
        await File.WriteAllTextAsync(Path.Combine(_dataDirectory, DataDirectoryLock.OwnerFileName),
            $$"""{"pid":{{Environment.ProcessId}},"processStart":"2001-01-01T00:00:00+00:00","state":"ready","url":null,"bridge":null}""");
        Assert.False(DataDirectoryLock.ReadOwner(_dataDirectory)!.IsAlive);
    }

    [Fact]
    public async Task AGatewayKilledWithSigkill_LeavesADirectoryTheNextOneTakesAtOnce()
    {
        var first = await GatewayProcess.StartAsync(_dataDirectory);
        var firstPid = first.Pid;
        await first.KillAsync();
        await first.DisposeAsync();
        Assert.Equal(firstPid, DataDirectoryLock.ReadOwner(_dataDirectory)!.Pid); // its record is still there, stale

        await using var second = await GatewayProcess.StartAsync(_dataDirectory);
        var owner = DataDirectoryLock.ReadOwner(_dataDirectory)!;
        Assert.Equal((second.Pid, DataDirectoryOwner.Ready, second.McpUrl), (owner.Pid, owner.State, owner.Url));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
