namespace SwarmCluster.Gateway.Stdio;

/// <summary>Where the front sends well-formed client messages: a gateway over a socket or HTTP, or the in-process server.</summary>
internal interface IMcpPeer : IDisposable
{
    /// <summary>
    /// Hands one message to the server, in the order read. Whatever the server answers comes back through
    /// <see cref="StdioFront.Deliver"/>; a request the server can no longer answer through <see cref="StdioFront.Fail"/>.
    /// Throws <see cref="PeerUnavailableException"/> when the server cannot be reached.
    /// </summary>
    void Send(ClientMessage message, StdioFront.PendingRequest? pending);

    /// <summary>Called at the end of input once every request is answered: lets what is still on its way finish.</summary>
    void Finish();
}

/// <summary>A peer that could not reach its server; the message is answered with this reason.</summary>
internal sealed class PeerUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The JSON-RPC error code the request is answered with.</summary>
    public int Code { get; init; } = JsonRpc.InternalError;
}

/// <summary>
/// The client's side of stdio, shared by the bridge and the private in-process mode: reads one JSON-RPC message per
/// line from stdin, answers malformed lines itself (-32700, -32600, -32602) and stays up, forwards the rest, writes
/// everything the server sends to stdout, and at the end of stdin exits only once every request already read has
/// been answered. Blocking I/O on dedicated threads: a stdio call then costs two thread wake-ups in this process,
/// not a trip through the thread pool.
/// </summary>
internal sealed class StdioFront(Stream input, Stream output, ReadOnlyMemory<byte> alreadyRead = default)
{
    private readonly LineWriter _output = new(output);
    private readonly Dictionary<string, PendingRequest> _pending = new(StringComparer.Ordinal);
    private LineReader? _reader;

    /// <summary>Called with each message as it is forwarded (a gateway tells the bridge about initialize this way).</summary>
    public Action<ClientMessage>? Forwarded { get; init; }

    /// <summary>After <see cref="Run"/>: input read but not yet a whole line (handed back when a gateway stops).</summary>
    public ReadOnlyMemory<byte> Unconsumed => _reader?.Unconsumed ?? alreadyRead;

    /// <summary>A request read from stdin and not answered yet.</summary>
    public sealed class PendingRequest(string idKey, string idJson)
    {
        public string IdKey { get; } = idKey;

        public string IdJson { get; } = idJson;

        /// <summary>Which connection it went out on (set by the peer), so a lost connection fails only its own requests.</summary>
        public int Connection { get; set; } = -1;
    }

    /// <summary>Reads stdin to its end (blocking); returns the exit code, 0.</summary>
    public int Run(IMcpPeer peer)
    {
        using (peer)
        {
            var reader = _reader = new LineReader(input, alreadyRead);
            while (ReadLine(reader) is { } line)
            {
                if (line.Equals(LineReader.TooLong))
                {
                    Write(JsonRpc.TooLongError);
                    continue;
                }
                if (line.Span.Trim(" \t\r"u8).IsEmpty)
                    continue;

                var message = JsonRpc.Check(line, out var error);
                if (message is null)
                {
                    Write(error!);
                    continue;
                }

                var pending = message.Kind == MessageKind.Request ? Track(message) : null;
                if (message.CancelledIdKey is { } cancelled)
                    Forget(cancelled); // a cancelled request is owed no answer
                try
                {
                    peer.Send(message, pending);
                    Forwarded?.Invoke(message);
                }
                catch (PeerUnavailableException e)
                {
                    if (pending is not null)
                        Fail(p => p == pending, e.Message, e.Code);
                }
            }

            // End of input: answer every request already read, then leave.
            lock (_pending)
            {
                while (_pending.Count > 0)
                    Monitor.Wait(_pending);
            }
            peer.Finish();
        }
        return 0;
    }

    /// <summary>The next line; null at the end of input or when the input was taken away (a gateway stopping).</summary>
    private static ReadOnlyMemory<byte>? ReadLine(LineReader reader)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>A line from the server: written to stdout; an answer clears its request.</summary>
    public void Deliver(ReadOnlySpan<byte> line) => Deliver(line, JsonRpc.ResponseIdKey(line));

    /// <summary>A line from the server whose answered id (if any) the caller already knows.</summary>
    public void Deliver(ReadOnlySpan<byte> line, string? answeredIdKey)
    {
        Write(line);
        if (answeredIdKey is not null)
            Forget(answeredIdKey);
    }

    /// <summary>Answers the matching pending requests with an error (internal unless told) carrying <paramref name="reason"/>.</summary>
    public void Fail(Func<PendingRequest, bool> which, string reason, int code = JsonRpc.InternalError)
    {
        List<PendingRequest> failed;
        lock (_pending)
            failed = _pending.Values.Where(which).ToList();
        foreach (var request in failed)
        {
            Write(JsonRpc.Error(request.IdJson, code, reason));
            Forget(request.IdKey, request);
        }
    }

    /// <summary>Whether a request is still waiting for its answer.</summary>
    public bool IsPending(PendingRequest request)
    {
        lock (_pending)
            return _pending.TryGetValue(request.IdKey, out var current) && current == request;
    }

    /// <summary>A client that closed its stdout is owed nothing more: its requests stop waiting.</summary>
    private void Write(ReadOnlySpan<byte> line)
    {
        try
        {
            _output.WriteLine(line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            lock (_pending)
            {
                _pending.Clear();
                Monitor.PulseAll(_pending);
            }
        }
    }

    private PendingRequest Track(ClientMessage message)
    {
        var pending = new PendingRequest(message.IdKey!, message.IdJson!);
        lock (_pending)
            _pending[pending.IdKey] = pending;
        return pending;
    }

    private void Forget(string idKey, PendingRequest? only = null)
    {
        lock (_pending)
        {
            if (only is not null && (!_pending.TryGetValue(idKey, out var current) || current != only))
                return;
            if (_pending.Remove(idKey) && _pending.Count == 0)
                Monitor.PulseAll(_pending);
        }
    }
}
