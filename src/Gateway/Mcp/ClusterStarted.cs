namespace SwarmCluster.Gateway.Mcp;

/// <summary>
/// Completes once every hosted service, the silo among them, has started. A stdio session's MCP server starts
/// before the silo, so initialize and tools/list are answered while the silo is still starting; a tool call
/// waits here until its grains can be reached.
/// </summary>
public sealed class ClusterStarted
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClusterStarted(IHostApplicationLifetime lifetime)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        lifetime.ApplicationStarted.Register(() => _started.TrySetResult());
    }

    public Task WaitAsync(CancellationToken cancellationToken) =>
        _started.Task.IsCompleted ? Task.CompletedTask : _started.Task.WaitAsync(cancellationToken);
}
