using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// Forwards to a gateway's Streamable HTTP endpoint (a configured URL: another machine, a cluster): one POST per
/// message over keep-alive connections, answers relayed from the JSON or SSE body. The endpoint is stateless, so
/// requests run concurrently; a client's notifications/cancelled aborts the matching POST.
/// </summary>
internal sealed class HttpPeer(StdioFront front, Uri endpoint, string? token = null) : IMcpPeer
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // a tool call may run long; the gateway bounds its own grain calls
    };

    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _posts = new();
    private string? _protocolVersion;

    public void Send(ClientMessage message, StdioFront.PendingRequest? pending)
    {
        if (message.CancelledIdKey is { } cancelled)
        {
            // The POST carrying that request is what the gateway can cancel; a separate notification reaches nothing.
            if (_inFlight.TryRemove(cancelled, out var source))
                source.Cancel();
            return;
        }

        var abort = new CancellationTokenSource();
        if (pending is not null)
            _inFlight[pending.IdKey] = abort;
        var post = Task.Run(() => PostAsync(message, pending, abort), CancellationToken.None);
        _posts[post] = 0;
        _ = post.ContinueWith(t => _posts.TryRemove(t, out _), TaskScheduler.Default);
    }

    /// <summary>Notifications still on their way are delivered before the process exits.</summary>
    public void Finish() => Task.WaitAll(_posts.Keys.ToArray());

    public void Dispose() => _http.Dispose();

    private async Task PostAsync(ClientMessage message, StdioFront.PendingRequest? pending, CancellationTokenSource abort)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ReadOnlyMemoryContent(message.Line) };
            request.Content.Headers.ContentType = Json;
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            if (_protocolVersion is { } version)
                request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", version);
            if (token is not null)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, abort.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStreamAsync(abort.Token).ConfigureAwait(false);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (mediaType == "text/event-stream")
                await RelayEventsAsync(body, message, abort.Token).ConfigureAwait(false);
            else if (mediaType == "application/json")
                Relay(await ReadAllAsync(body, abort.Token).ConfigureAwait(false), message);

            if (pending is not null && front.IsPending(pending))
            {
                var hint = response.StatusCode == System.Net.HttpStatusCode.Unauthorized
                    ? token is null ? $": it requires an API key or token (set {BridgeOptions.TokenVariable} or pass --token)" : ": the key or token was refused"
                    : "";
                front.Fail(p => p == pending,
                    $"The SwarmCluster gateway at {endpoint} answered HTTP {(int)response.StatusCode} ({response.ReasonPhrase}) without a JSON-RPC response{hint}");
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Cancelled by the client: no answer is owed.
        }
        catch (HttpRequestException e)
        {
            if (pending is not null)
                front.Fail(p => p == pending, $"The SwarmCluster gateway at {endpoint} is unreachable: {e.Message}");
        }
        catch (IOException e)
        {
            if (pending is not null)
                front.Fail(p => p == pending, $"The connection to the SwarmCluster gateway at {endpoint} broke: {e.Message}");
        }
        finally
        {
            if (pending is not null)
                _inFlight.TryRemove(new KeyValuePair<string, CancellationTokenSource>(pending.IdKey, abort));
            abort.Dispose();
        }
    }

    /// <summary>Each SSE event's data is one JSON-RPC message (several data lines are one message joined by line breaks).</summary>
    private async Task RelayEventsAsync(Stream body, ClientMessage message, CancellationToken cancellationToken)
    {
        var reader = new LineReader(body);
        var data = new List<byte>();
        var hasData = false;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            var span = line.Span;
            if (span.IsEmpty)
            {
                if (hasData)
                    Relay(data.ToArray(), message);
                data.Clear();
                hasData = false;
                continue;
            }
            if (!span.StartsWith("data:"u8))
                continue; // event:, id:, retry: and comments carry nothing for the client
            var value = span[5..];
            if (!value.IsEmpty && value[0] == ' ')
                value = value[1..];
            if (hasData)
                data.Add((byte)'\n');
            data.AddRange(value);
            hasData = true;
        }
        if (hasData)
            Relay(data.ToArray(), message);
    }

    private void Relay(ReadOnlyMemory<byte> json, ClientMessage message)
    {
        if (json.Span.Trim(" \t\r\n"u8).IsEmpty)
            return;
        byte[] line;
        try
        {
            line = JsonRpc.OnOneLine(json);
        }
        catch (JsonException)
        {
            return; // not JSON: nothing a client could use; the request is answered with an error afterwards
        }
        if (message.IsInitialize)
            RememberProtocolVersion(line);
        front.Deliver(line);
    }

    private void RememberProtocolVersion(byte[] line)
    {
        using var document = JsonDocument.Parse(line);
        if (document.RootElement.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object
            && result.TryGetProperty("protocolVersion", out var version) && version.ValueKind == JsonValueKind.String)
            _protocolVersion = version.GetString();
    }

    private static async Task<byte[]> ReadAllAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
