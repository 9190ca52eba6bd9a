using System.IO.Pipelines;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// <c>--stdio --private</c>: the MCP server and its silo in this process, on a data directory nobody else may use
/// (the directory lock enforces it). The client's lines pass the same front as a bridge's (malformed input
/// answered, every request answered before exit) and reach the SDK's stream transport through in-memory pipes.
/// </summary>
internal sealed class PrivateStdio
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();

    public Stream ServerInput => _toServer.Reader.AsStream();

    public Stream ServerOutput => _toClient.Writer.AsStream();

    /// <summary>Runs the host until the client's input ends and every request has been answered (exit 0), or the host stops.</summary>
    public async Task<int> RunAsync(IHost host)
    {
        var front = new StdioFront(Console.OpenStandardInput(), Console.OpenStandardOutput());
        var connected = 0;
        PeerConnection Connect()
        {
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
                return front.Run(new StreamPeer(front, Connect));
            }
            finally
            {
                _toServer.Writer.Complete();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await host.RunAsync();
        return client.IsCompletedSuccessfully ? client.Result : 0;
    }
}
