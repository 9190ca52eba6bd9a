using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using SwarmCluster.Gateway.Cluster;

namespace SwarmCluster.Gateway.Tests;

/// <summary>The per-call timeout and the retry of idempotent reads (in process, with scripted failures; SiloUnavailableException is the rejection a dead silo causes).</summary>
public sealed class GrainCallsTests
{
    private static GrainCalls Create(double timeoutSeconds = 5, int retries = 2) =>
        new(null!, new GatewayOptions { CallTimeout = TimeSpan.FromSeconds(timeoutSeconds), ReadRetries = retries }, NullLogger<GrainCalls>.Instance);

    [Fact]
    public async Task Read_RetriesRejectedCalls_ThenSucceeds()
    {
        var attempts = 0;
        var result = await Create().Read(() => ++attempts < 3 ? throw new SiloUnavailableException("silo is dead") : Task.FromResult(42), default);
        Assert.Equal(42, result);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task Read_GivesUpAfterTheRetries()
    {
        var attempts = 0;
        await Assert.ThrowsAsync<SiloUnavailableException>(() =>
            Create(retries: 1).Read<int>(() => { attempts++; throw new SiloUnavailableException("down"); }, default));
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task Write_IsNeverRetried()
    {
        var attempts = 0;
        await Assert.ThrowsAsync<SiloUnavailableException>(() =>
            Create().Write<int>(() => { attempts++; throw new SiloUnavailableException("down"); }, default));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task ACallThatHangs_TimesOut()
    {
        var never = new TaskCompletionSource<int>();
        var started = DateTime.UtcNow;
        await Assert.ThrowsAsync<TimeoutException>(() => Create(timeoutSeconds: 0.2).Write(() => never.Task, default));
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.15, 5);
    }
}
