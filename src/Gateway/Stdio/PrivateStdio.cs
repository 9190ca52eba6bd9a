namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// <c>--stdio --private</c>: the MCP server and its silo in this process, on a data directory nobody else may use
/// (the directory lock enforces it). While the host is built and started (about a second), the client's session is
/// opened from this build's <see cref="BridgeGreeting"/>, as a bridge does; then the client's lines pass the same front
/// as a bridge's (malformed input answered, every request answered before exit) and reach the MCP server through a
/// <see cref="FrontSession"/>, its initialize replayed there first.
/// </summary>
internal sealed class PrivateStdio
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _notStarted;

    public PrivateStdio()
    {
        Session = new FrontSession("the in-process SwarmCluster server", () =>
        {
            _started.Task.Wait();
            return _notStarted is { } failure ? $"The in-process SwarmCluster server did not start: {failure.Message}" : null;
        });
    }

    /// <summary>The MCP session the host serves (see <see cref="FrontSessionService"/>).</summary>
    public FrontSession Session { get; }

    /// <summary>
    /// Builds and runs the host on another thread until the client's input ends and every request has been answered
    /// (exit 0), or the host stops. A host that cannot be built or started answers each request with the reason until
    /// the client's input ends, then throws what it threw.
    /// </summary>
    public async Task<int> RunAsync(Func<IHost> buildHost, BridgeGreeting? greeting)
    {
        var hostRun = Task.Run(async () =>
        {
            var running = false;
            try
            {
                var host = buildHost();
                var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
                lifetime.ApplicationStarted.Register(() =>
                {
                    running = true;
                    _started.TrySetResult();
                });
                await host.RunAsync();
            }
            catch (Exception e) when (!running)
            {
                _notStarted = e;
                throw;
            }
            finally
            {
                _started.TrySetResult(); // stopped or failed: the opening ends here
            }
        });

        var opened = greeting is null ? OpenedSession.None : BridgeOpening.Serve(greeting, _started.Task);
        var front = new StdioFront(Console.OpenStandardInput(), Console.OpenStandardOutput(), opened.Unread);
        Session.Connect(front, opened.Initialize, opened.Initialized);

        // The front ends by ending the session's input (even if it never sent anything); the SDK then ends the
        // session and stops the host.
        var client = Task.Factory.StartNew(() =>
        {
            try
            {
                return front.Run(Session);
            }
            finally
            {
                Session.Finish();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await hostRun;
        }
        catch when (_notStarted is not null)
        {
            await client; // the client is told why on each request until it ends the session
            throw;
        }
        return client.IsCompletedSuccessfully ? client.Result : 0;
    }
}
