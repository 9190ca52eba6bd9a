using System.IO.Pipelines;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// <c>--stdio --private</c>: the MCP server and its silo in this process, on a data directory nobody else may use
/// (the directory lock enforces it). While the host is built and started (about a second), the client's session is
/// opened from this build's <see cref="BridgeGreeting"/>, as a bridge does; then the client's lines pass the same front
/// as a bridge's (malformed input answered, every request answered before exit) and reach the SDK's stream transport
/// through in-memory pipes, its initialize replayed there first.
/// </summary>
internal sealed class PrivateStdio
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();

    public Stream ServerInput => _toServer.Reader.AsStream();

    public Stream ServerOutput => _toClient.Writer.AsStream();

    /// <summary>
    /// Builds and runs the host on another thread until the client's input ends and every request has been answered
    /// (exit 0), or the host stops. A host that cannot be built or started answers each request with the reason until
    /// the client's input ends, then throws what it threw.
    /// </summary>
    public async Task<int> RunAsync(Func<IHost> buildHost, BridgeGreeting? greeting)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Exception? notStarted = null;
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
                    started.TrySetResult();
                });
                await host.RunAsync();
            }
            catch (Exception e) when (!running)
            {
                notStarted = e;
                throw;
            }
            finally
            {
                started.TrySetResult(); // stopped or failed: the opening ends here
            }
        });

        var opened = greeting is null ? OpenedSession.None : BridgeOpening.Serve(greeting, started.Task);
        var front = new StdioFront(Console.OpenStandardInput(), Console.OpenStandardOutput(), opened.Unread);
        var connected = 0;
        PeerConnection Connect()
        {
            started.Task.Wait();
            if (notStarted is { } failure)
                throw new PeerUnavailableException($"The in-process SwarmCluster server did not start: {failure.Message}");
            if (Interlocked.Exchange(ref connected, 1) != 0)
                throw new PeerUnavailableException("The in-process SwarmCluster server has stopped");
            var toServer = _toServer.Writer.AsStream();
            return new PeerConnection(toServer, new LineReader(_toClient.Reader.AsStream()), toServer, "the in-process SwarmCluster server");
        }

        // The front ends by closing the server's input (even if it never sent anything); the SDK then ends its
        // session and stops the host.
        var client = Task.Factory.StartNew(() =>
        {
            try
            {
                return front.Run(new StreamPeer(front, Connect, opened.Initialize, opened.Initialized));
            }
            finally
            {
                _toServer.Writer.Complete();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await hostRun;
        }
        catch when (notStarted is not null)
        {
            await client; // the client is told why on each request until it ends the session
            throw;
        }
        return client.IsCompletedSuccessfully ? client.Result : 0;
    }
}
