namespace SwarmCluster.Gateway.Stdio;

/// <summary>An open line channel to an MCP server session (a socket to the gateway, or pipes to the in-process server).</summary>
internal sealed class PeerConnection(Stream write, LineReader read, IDisposable owner, string description)
{
    /// <summary>The socket to a gateway (null for the in-process server).</summary>
    public System.Net.Sockets.Socket? Socket { get; init; }

    /// <summary>Whether that gateway takes the client's stdin and stdout itself (see <see cref="HandoffBridge"/>).</summary>
    public bool Handoff { get; init; }

    public LineWriter Write { get; } = new(write);

    public LineReader Read { get; } = read;

    public IDisposable Owner { get; } = owner;

    /// <summary>Names the server in error messages ("the SwarmCluster gateway (pid 123)").</summary>
    public string Description { get; } = description;
}

/// <summary>
/// Relays lines between the front and one stateful MCP session over a stream: messages go out in the order read,
/// answers come back on a reader thread. When the session is lost, requests sent on it are answered with an error,
/// and the next message opens a new session, replaying the client's initialize (its answer is swallowed) so the new
/// session is in the state the client believes it is in.
/// </summary>
/// <param name="front">Where answers go.</param>
/// <param name="connect">Opens a session.</param>
/// <param name="initialize">The client's initialize from an earlier session (another gateway's), replayed on the first one.</param>
/// <param name="initialized">Its notifications/initialized, likewise.</param>
internal sealed class StreamPeer(StdioFront front, Func<PeerConnection> connect, byte[]? initialize = null, byte[]? initialized = null) : IMcpPeer
{
    private readonly object _send = new();
    private PeerConnection? _current;
    private int _generation;
    private byte[]? _initialize = initialize;
    private byte[]? _initialized = initialized;
    private int _replays;

    public void Send(ClientMessage message, StdioFront.PendingRequest? pending)
    {
        lock (_send)
        {
            // A write into a connection found dead is retried once on a new one: the server never saw it.
            for (var attempt = 0; ; attempt++)
            {
                var connection = _current ?? Open(message.IsInitialize);
                if (pending is not null)
                    pending.Connection = _generation;
                try
                {
                    connection.Write.WriteLine(message.Line.Span);
                    break;
                }
                catch (Exception e) when (IsConnectionLoss(e))
                {
                    Drop(connection);
                    if (attempt > 0)
                        throw new PeerUnavailableException($"Lost the connection to {connection.Description}: {e.Message}", e);
                }
            }

            if (message.IsInitialize)
                _initialize = message.Line.ToArray();
            else if (message.Method == "notifications/initialized")
                _initialized = message.Line.ToArray();
        }
    }

    public void Finish()
    {
    }

    public void Dispose()
    {
        PeerConnection? connection;
        lock (_send)
        {
            connection = _current;
            _current = null;
        }
        // Every request is answered by now; the reader thread ends when the server closes its side.
        connection?.Owner.Dispose();
    }

    /// <summary>Opens a session; on a reconnect after initialize, first brings it to the initialized state.</summary>
    private PeerConnection Open(bool sendingInitialize)
    {
        var connection = connect();
        if (_initialize is { } initialize && !sendingInitialize)
        {
            try
            {
                ReplayInitialize(connection, initialize);
            }
            catch (Exception e) when (IsConnectionLoss(e) || e is System.Text.Json.JsonException)
            {
                connection.Owner.Dispose();
                throw new PeerUnavailableException($"{connection.Description} did not accept the session again: {e.Message}", e);
            }
        }

        _current = connection;
        var generation = ++_generation;
        new Thread(() => ReadLoop(connection, generation)) { IsBackground = true, Name = "stdio-peer-reader" }.Start();
        return connection;
    }

    private void ReplayInitialize(PeerConnection connection, byte[] initialize)
    {
        var id = $"swarmcluster-bridge-reconnect-{++_replays}";
        var node = System.Text.Json.Nodes.JsonNode.Parse(initialize)!;
        node["id"] = id;
        connection.Write.WriteLine(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString()));
        while (true)
        {
            var line = connection.Read.ReadLine() ?? throw new IOException("the session closed during initialize");
            if (JsonRpc.ResponseIdKey(line.Span) == JsonRpc.StringIdKey(id))
                break;
            front.Deliver(line.Span); // a notification for the client
        }
        if (_initialized is { } initialized)
            connection.Write.WriteLine(initialized);
    }

    private void ReadLoop(PeerConnection connection, int generation)
    {
        var reason = $"{connection.Description} closed the session before answering; the request may or may not have been carried out";
        try
        {
            while (connection.Read.ReadLine() is { } line)
            {
                if (!line.Equals(LineReader.TooLong))
                    front.Deliver(line.Span);
            }
        }
        catch (Exception e)
        {
            // Any failure here (a socket closed under the read, a pipe completed) ends the session, never the process.
            reason = $"Lost the connection to {connection.Description} ({e.Message}); the request may or may not have been carried out";
        }

        lock (_send)
            Drop(connection);
        front.Fail(p => p.Connection == generation, reason);
    }

    private void Drop(PeerConnection connection)
    {
        if (_current == connection)
            _current = null;
        connection.Owner.Dispose();
    }

    private static bool IsConnectionLoss(Exception e) => e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException;
}
