namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// The bridge on Linux: hands its stdin and stdout to the gateway (SCM_RIGHTS) and waits, so the client's lines go
/// straight to the gateway and its answers straight back, with no process in between. When that gateway stops it
/// returns the input it had read but not handled, and the bridge hands the client to the next gateway (started if
/// need be), replaying the client's initialize there. Exits with the gateway's "done" code. Whenever no gateway
/// can take the client, the bridge serves it itself through <see cref="StreamPeer"/> relaying to one, whose errors
/// then answer the client's requests.
/// </summary>
internal static class HandoffBridge
{
    private const int StdinFd = 0;
    private const int StdoutFd = 1;

    /// <summary>Sessions in a row that ended without done or resume (the gateway died): after this many, relay.</summary>
    private const int MaxLostSessions = 3;

    public static int Run(LocalGateway gateway, Task<PeerConnection> first, OpenedSession opened)
    {
        byte[]? initialize = opened.Initialize, initialized = opened.Initialized;
        var unread = opened.Unread;
        var lost = 0;
        var next = first;
        while (true)
        {
            PeerConnection connection;
            try
            {
                connection = (next ?? gateway.ConnectAsync(CancellationToken.None)).GetAwaiter().GetResult();
            }
            catch (PeerUnavailableException)
            {
                return Relay(gateway, null, unread, initialize, initialized);
            }
            next = null;
            if (!connection.Handoff || connection.Socket is null || lost >= MaxLostSessions)
                return Relay(gateway, connection, unread, initialize, initialized);

            try
            {
                UnixFds.Send(connection.Socket, [.. BridgeProtocol.Handoff(initialize, initialized, unread), (byte)'\n'], [StdinFd, StdoutFd]);
                unread = default;
                while (connection.Read.ReadLine() is { } line && BridgeProtocol.Parse(line.Span) is { } message)
                {
                    if (message.Done is { } exitCode)
                        return exitCode;
                    if (message.Resume is { } rest)
                    {
                        unread = rest;
                        lost = -1; // a clean hand-back, not a failure
                        break;
                    }
                    initialize = message.Initialize ?? initialize;
                    initialized = message.Initialized ?? initialized;
                }
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                // The gateway died under us: whatever it had read and not answered is lost; carry on with the next.
            }
            finally
            {
                connection.Owner.Dispose();
            }
            lost++;
        }
    }

    /// <summary>This process reads the client's input from here on and relays it (first on <paramref name="connection"/>, if any).</summary>
    private static int Relay(LocalGateway gateway, PeerConnection? connection, ReadOnlyMemory<byte> unread, byte[]? initialize, byte[]? initialized)
    {
        var front = new StdioFront(Console.OpenStandardInput(), Console.OpenStandardOutput(), unread);
        PeerConnection Connect()
        {
            var open = Interlocked.Exchange(ref connection, null) ?? gateway.ConnectAsync(CancellationToken.None).GetAwaiter().GetResult();
            return LocalGateway.Relay(open);
        }
        return front.Run(new StreamPeer(front, Connect, initialize, initialized));
    }
}
