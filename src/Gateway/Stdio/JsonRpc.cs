using System.Buffers;
using System.Text;
using System.Text.Json;

namespace SwarmCluster.Gateway.Stdio;

internal enum MessageKind
{
    Request,
    Notification,
    Response,
}

/// <summary>One line a client wrote on stdin that is a well-formed JSON-RPC 2.0 message, kept as the client's bytes.</summary>
internal sealed record ClientMessage(MessageKind Kind, ReadOnlyMemory<byte> Line, string? Method, string? IdJson, string? IdKey, string? CancelledIdKey)
{
    public bool IsInitialize => Method == "initialize";
}

/// <summary>
/// JSON-RPC 2.0 as MCP uses it on stdio: one message per line. Checks what a client sends before it is forwarded
/// (so a malformed line gets its error at once, and the server only ever sees well-formed messages) and builds
/// error answers; ids are compared by <see cref="IdKey"/> and echoed as the client wrote them.
/// </summary>
internal static class JsonRpc
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;

    /// <summary>Longest line read from stdin; a longer one is answered with an error and skipped.</summary>
    public const int MaxLineBytes = 32 * 1024 * 1024;

    /// <summary>The answer to a line longer than <see cref="MaxLineBytes"/> (skipped unread).</summary>
    public static byte[] TooLongError => Error(null, InvalidRequest, $"Invalid Request: a message longer than {MaxLineBytes} bytes was skipped");

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 128 };

    // Error texts quote the client's JSON: keep quotes and apostrophes readable (stdout is not HTML).
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Either a message to forward or the error line to answer with (never both).</summary>
    public static ClientMessage? Check(ReadOnlyMemory<byte> line, out byte[]? errorLine)
    {
        errorLine = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, DocumentOptions);
        }
        catch (JsonException e)
        {
            errorLine = Error(null, ParseError, $"Parse error: the line is not valid JSON ({FirstSentence(e.Message)})");
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                errorLine = Error(null, InvalidRequest, "Invalid Request: batches are not supported; send one JSON-RPC message per line");
                return null;
            }
            if (root.ValueKind != JsonValueKind.Object)
            {
                errorLine = Error(null, InvalidRequest, $"Invalid Request: a message must be a JSON object (got {Describe(root.ValueKind)})");
                return null;
            }

            var problems = new List<string>();
            string? idJson = null, idKey = null;
            var hasId = root.TryGetProperty("id", out var id);
            if (hasId && !TryReadId(id, out idJson, out idKey))
                problems.Add("\"id\" must be a string or an integer");

            if (!root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
                problems.Add("\"jsonrpc\" must be \"2.0\"");

            var hasMethod = root.TryGetProperty("method", out var method);
            var isResponse = !hasMethod && hasId && (root.TryGetProperty("result", out _) || root.TryGetProperty("error", out _));
            if (!hasMethod && !isResponse)
                problems.Add("\"method\" is missing");
            else if (hasMethod && method.ValueKind != JsonValueKind.String)
                problems.Add("\"method\" must be a string");

            var hasParams = root.TryGetProperty("params", out var parameters);
            if (hasParams && parameters.ValueKind != JsonValueKind.Object)
                problems.Add($"\"params\" must be an object (got {Describe(parameters.ValueKind)})");

            if (problems.Count > 0)
            {
                errorLine = Error(idJson, InvalidRequest, "Invalid Request: " + string.Join("; ", problems));
                return null;
            }

            if (isResponse)
                return new ClientMessage(MessageKind.Response, line, null, idJson, idKey, null);

            var name = method.GetString()!;
            if (name == "initialize" && MissingInitializeFields(hasParams ? parameters : default) is { Count: > 0 } missing)
            {
                errorLine = Error(idJson, InvalidParams, "Invalid params: initialize needs " + string.Join(", ", missing));
                return null;
            }

            string? cancelled = null;
            if (name == "notifications/cancelled" && hasParams && parameters.TryGetProperty("requestId", out var requestId))
                TryReadId(requestId, out _, out cancelled);

            return new ClientMessage(hasId ? MessageKind.Request : MessageKind.Notification, line, name, idJson, idKey, cancelled);
        }
    }

    /// <summary>The id key of a line the server sent when it answers a request (has result or error, no method); else null.</summary>
    public static string? ResponseIdKey(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        string? key = null;
        var answer = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("method"u8))
                    return null;
                if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    key = reader.TokenType switch
                    {
                        JsonTokenType.String => StringIdKey(reader.GetString()!),
                        JsonTokenType.Number => NumberIdKey(System.Text.Encoding.UTF8.GetString(reader.ValueSpan)),
                        _ => null,
                    };
                    reader.Skip();
                    continue;
                }
                if (reader.ValueTextEquals("result"u8) || reader.ValueTextEquals("error"u8))
                    answer = true;
                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return answer ? key : null;
    }

    /// <summary>How requests and answers are matched: a string id and an integer id never share a key.</summary>
    public static string StringIdKey(string id) => "s:" + id;

    /// <summary>The key of an integer id, as its canonical digits.</summary>
    public static string NumberIdKey(string digits) => "n:" + digits;

    /// <summary>{"jsonrpc":"2.0","id":…,"error":{"code":…,"message":…}} with the id exactly as the client wrote it (or null).</summary>
    public static byte[] Error(string? idJson, int code, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("jsonrpc", "2.0");
            json.WritePropertyName("id");
            if (idJson is null)
                json.WriteNullValue();
            else
                json.WriteRawValue(idJson, skipInputValidation: true);
            json.WriteStartObject("error");
            json.WriteNumber("code", code);
            json.WriteString("message", message);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>{"jsonrpc":"2.0","id":…,"result":…} with the id exactly as the client wrote it and a result already serialized.</summary>
    public static byte[] Result(string idJson, ReadOnlySpan<byte> resultJson) =>
        [.. """{"jsonrpc":"2.0","id":"""u8, .. Encoding.UTF8.GetBytes(idJson), .. ""","result":"""u8, .. resultJson, (byte)'}'];

    /// <summary>Whether a list request asks for a page after the first (params.cursor set).</summary>
    public static bool HasCursor(ReadOnlyMemory<byte> line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty("cursor", out var cursor) && cursor.ValueKind != JsonValueKind.Null;
    }

    /// <summary>The same JSON on one line (a message spread over several SSE data lines may contain line breaks).</summary>
    public static byte[] OnOneLine(ReadOnlyMemory<byte> json)
    {
        if (json.Span.IndexOfAny((byte)'\n', (byte)'\r') < 0)
            return json.ToArray();
        using var document = JsonDocument.Parse(json);
        var buffer = new ArrayBufferWriter<byte>(json.Length);
        using (var writer = new Utf8JsonWriter(buffer))
            document.WriteTo(writer);
        return buffer.WrittenSpan.ToArray();
    }

    // MCP ids are strings or integers (never null); integers are echoed by the server as it parsed them, so only
    // the canonical spelling is accepted: what goes out is then byte for byte what came in.
    private static bool TryReadId(JsonElement id, out string? idJson, out string? idKey)
    {
        idJson = idKey = null;
        switch (id.ValueKind)
        {
            case JsonValueKind.String:
                idJson = id.GetRawText();
                idKey = StringIdKey(id.GetString()!);
                return true;
            case JsonValueKind.Number:
                var raw = id.GetRawText();
                if (!id.TryGetInt64(out var value) || value.ToString(System.Globalization.CultureInfo.InvariantCulture) != raw)
                    return false;
                idJson = raw;
                idKey = NumberIdKey(raw);
                return true;
            default:
                return false;
        }
    }

    private static List<string> MissingInitializeFields(JsonElement parameters)
    {
        var missing = new List<string>();
        var isObject = parameters.ValueKind == JsonValueKind.Object;
        void Need(JsonElement parent, bool parentIsObject, string name, JsonValueKind kind, string path)
        {
            if (!parentIsObject || !parent.TryGetProperty(name, out var value) || value.ValueKind != kind)
                missing.Add($"params.{path} ({(kind == JsonValueKind.String ? "a string" : "an object")})");
        }

        Need(parameters, isObject, "protocolVersion", JsonValueKind.String, "protocolVersion");
        Need(parameters, isObject, "capabilities", JsonValueKind.Object, "capabilities");
        var client = default(JsonElement);
        var hasClient = isObject && parameters.TryGetProperty("clientInfo", out client) && client.ValueKind == JsonValueKind.Object;
        if (!hasClient)
            missing.Add("params.clientInfo (an object with name and version)");
        else
        {
            Need(client, true, "name", JsonValueKind.String, "clientInfo.name");
            Need(client, true, "version", JsonValueKind.String, "clientInfo.version");
        }
        return missing;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }
}
