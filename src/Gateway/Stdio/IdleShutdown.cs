using System.Diagnostics;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>MCP work in progress (HTTP requests to /mcp and connected bridges) and when the last of it ended.</summary>
internal sealed class McpActivity
{
    private long _lastActivity = Stopwatch.GetTimestamp();
    private int _busy;

    public void Begin()
    {
        Interlocked.Increment(ref _busy);
        Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
    }

    public void End()
    {
        Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
        Interlocked.Decrement(ref _busy);
    }

    /// <summary>How long nothing has been going on (zero while a request runs or a bridge is connected).</summary>
    public TimeSpan IdleFor => Volatile.Read(ref _busy) > 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActivity));
}

/// <summary>
/// Stops a gateway after <c>SwarmCluster:IdleShutdownSeconds</c> without MCP requests and without a connected bridge
/// (0, the default, never stops). Bridges start their background gateway with 600 s. The bridge socket closes first,
/// under the same lock that admits sessions, so no bridge can attach to a gateway that has decided to stop.
/// </summary>
internal sealed class IdleShutdown(
    TimeSpan idleLimit, McpActivity activity, BridgeListener bridges, IHostApplicationLifetime lifetime, IServiceProvider services,
    ILogger<IdleShutdown> logger) : BackgroundService
{
    public const string SettingKey = "SwarmCluster:IdleShutdownSeconds";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Checks often enough that the stop comes within a quarter of the limit after it is reached.
        var period = TimeSpan.FromSeconds(Math.Clamp(idleLimit.TotalSeconds / 4, 0.2, 15));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var idle = activity.IdleFor;
                if (idle < idleLimit || !bridges.TryClose())
                    continue;
                services.GetService<DataDirectoryLock>()?.Publish(DataDirectoryOwner.Stopping, null, null);
                logger.LogInformation("No MCP request for {Idle:0} s and no bridge connected (limit {Limit:0} s): stopping",
                    idle.TotalSeconds, idleLimit.TotalSeconds);
                lifetime.StopApplication();
                return;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The configured limit; null when the gateway never stops by itself.</summary>
    public static TimeSpan? ReadLimit(IConfiguration configuration)
    {
        var value = configuration[SettingKey];
        if (string.IsNullOrWhiteSpace(value))
            return null;
        if (!double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
            throw new InvalidOperationException($"{SettingKey} must be a number of seconds ≥ 0 (got '{value}')");
        return seconds == 0 ? null : TimeSpan.FromSeconds(seconds);
    }
}
