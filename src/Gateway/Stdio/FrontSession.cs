using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// The MCP session of a stdio front served in this process (<c>--stdio --private</c>, and a client whose bridge handed
/// it to the gateway): the transport the SDK's session reads from and answers through, and the peer the front sends
/// to. A checked line is parsed once and put in the session's queue; an answer is written to the client from the
/// thread that produced it. Compared with the SDK's stream transport over in-memory pipes this drops two thread
/// wake-ups, a second parse and a copy per call.
/// </summary>
/// <remarks>
/// The client's initialize may have been answered before this session existed (from the build's greeting, or by the
/// bridge or another gateway); it is replayed first, its answer swallowed, so the session is in the state the client
/// believes it is in.
/// <para>
/// A session's tools do not change while it lasts (the server sends no list_changed), so its first tools/list answer
/// is kept and every later tools/list of the session is answered from it: 36 tools with their schemas are about 41 KB
/// that the SDK would otherwise rebuild, turn into a JSON tree and serialize again on every call. A list_changed
/// notification would drop the copy. Those answers do not pass through the SDK, so its per-request telemetry does not
/// count them.
/// </para>
/// </remarks>
internal sealed class FrontSession : TransportBase, IMcpPeer
{
    private const string ReplayId = "swarmcluster-front-initialize";

    // Answers are read by programs and models, never embedded in HTML: a quote in a text result is \" (2 bytes), not
    // \u0022 (6) — agent_list's answer carries its JSON twice, once as text.
    private static readonly JsonTypeInfo Messages = new JsonSerializerOptions(McpJsonUtilities.DefaultOptions)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }.GetTypeInfo(typeof(JsonRpcMessage));

    private readonly Func<string?> _whyNotServing;
    private readonly object _gate = new();
    private byte[]? _initialize;
    private byte[]? _initialized;
    private StdioFront? _front;
    private bool _opened;
    private string? _closed;
    private TaskCompletionSource? _replayAnswered;
    private volatile string? _toolsListRequest; // the id key of the tools/list whose answer is to be kept
    private volatile byte[]? _toolsList; // that answer's result

    /// <param name="description">Names the server in error messages.</param>
    /// <param name="whyNotServing">Waits until the server can take messages; why it cannot, or null.</param>
    public FrontSession(string description, Func<string?> whyNotServing)
        : base(description, loggerFactory: null)
    {
        _whyNotServing = whyNotServing;
        Description = description;
        SetConnected();
    }

    public string Description { get; }

    /// <summary>
    /// Before the front runs: where answers go, and the client's initialize (and notifications/initialized) if they
    /// were answered before this session (replayed first).
    /// </summary>
    public void Connect(StdioFront front, byte[]? answeredInitialize, byte[]? answeredInitialized)
    {
        _front = front;
        _initialize = answeredInitialize;
        _initialized = answeredInitialized;
    }

    public void Send(ClientMessage message, StdioFront.PendingRequest? pending)
    {
        // Only the front's reader thread sends.
        if (!_opened)
        {
            if (_whyNotServing() is { } reason)
                throw new PeerUnavailableException(reason);
            _opened = true;
            if (_initialize is { } initialize && !message.IsInitialize)
                Replay(initialize);
        }
        if (message.Kind == MessageKind.Request && message.Method == "tools/list" && !JsonRpc.HasCursor(message.Line))
        {
            if (_toolsList is { } tools)
            {
                _front!.Deliver(JsonRpc.Result(message.IdJson!, tools), message.IdKey);
                return;
            }
            _toolsListRequest = message.IdKey;
        }
        Receive(message.Line);
    }

    /// <summary>Every request is answered: the session's input ends (the SDK then ends the session).</summary>
    public void Finish() => SetDisconnected();

    public void Dispose() => SetDisconnected();

    public override Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        var answers = message is JsonRpcResponse or JsonRpcError ? ((JsonRpcMessageWithId)message).Id : default(RequestId?);
        if (answers is { Id: ReplayId })
        {
            _replayAnswered?.TrySetResult();
            return Task.CompletedTask;
        }
        lock (_gate)
        {
            if (_closed is not null)
                return Task.CompletedTask; // its request was already answered with the reason
        }
        var line = JsonSerializer.SerializeToUtf8Bytes(message, Messages);
        var idKey = answers is { } id ? IdKey(id) : null;
        if (idKey is not null && idKey == _toolsListRequest)
            KeepToolsList(message, line);
        else if (message is JsonRpcNotification { Method: NotificationMethods.ToolListChangedNotification })
            _toolsList = null;
        _front!.Deliver(line, idKey);
        return Task.CompletedTask;
    }

    /// <summary>The SDK is done with the session (it ended, or the host is stopping): what is unanswered is told so.</summary>
    public override ValueTask DisposeAsync()
    {
        var reason = $"{Description} closed the session before answering; the request may or may not have been carried out";
        lock (_gate)
        {
            if (_closed is not null)
                return ValueTask.CompletedTask;
            _closed = reason;
        }
        SetDisconnected();
        _replayAnswered?.TrySetException(new IOException(reason));
        _front?.Fail(_ => true, reason);
        return ValueTask.CompletedTask;
    }

    private void Receive(ReadOnlyMemory<byte> line)
    {
        lock (_gate)
        {
            if (_closed is not null)
                throw new PeerUnavailableException($"{Description} has stopped");
        }
        JsonRpcMessage message;
        try
        {
            message = (JsonRpcMessage)JsonSerializer.Deserialize(line.Span, Messages)!;
        }
        catch (JsonException e)
        {
            // Well-formed JSON-RPC the SDK's types still refuse (an error object without an integer code): a request
            // is answered with why, anything else is dropped, as the SDK's own transports do.
            throw new PeerUnavailableException($"Invalid Request: the message does not fit MCP's JSON-RPC types ({e.Message})", e)
            {
                Code = JsonRpc.InvalidRequest,
            };
        }
        _ = WriteMessageAsync(message); // an unbounded queue: completes at once
    }

    private void Replay(byte[] initialize)
    {
        var node = JsonNode.Parse(initialize)!;
        node["id"] = ReplayId;
        _replayAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Receive(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString()));
        try
        {
            _replayAnswered.Task.Wait();
        }
        catch (AggregateException e)
        {
            throw new PeerUnavailableException($"{Description} did not accept the session: {e.InnerException?.Message}", e);
        }
        _initialize = null;
        if (_initialized is { } initialized)
            Receive(initialized);
    }

    private void KeepToolsList(JsonRpcMessage answer, byte[] line)
    {
        _toolsListRequest = null;
        if (answer is not JsonRpcResponse { Result: JsonObject result } || result.ContainsKey("nextCursor"))
            return; // an error, or a list in pages: asked again each time
        using var document = JsonDocument.Parse(line);
        _toolsList = System.Text.Encoding.UTF8.GetBytes(document.RootElement.GetProperty("result").GetRawText());
    }

    /// <summary>The front's key for an id.</summary>
    private static string? IdKey(RequestId id) => id.Id switch
    {
        string text => JsonRpc.StringIdKey(text),
        long number => JsonRpc.NumberIdKey(number.ToString(CultureInfo.InvariantCulture)),
        _ => null,
    };
}
