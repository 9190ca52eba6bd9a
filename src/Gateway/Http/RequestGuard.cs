using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using SwarmCluster.Contracts;
using SwarmCluster.Gateway.Mcp;

namespace SwarmCluster.Gateway.Http;

/// <summary>The checked body of a REST mirror call, handed from <see cref="RequestGuard"/> to the mirror.</summary>
public sealed class CheckedBody(ReadOnlyMemory<byte> json)
{
    public ReadOnlyMemory<byte> Json { get; } = json;
}

/// <summary>
/// The HTTP door for POST /mcp (MCP) and POST /mcp/{tool} (REST mirror): the body must be application/json
/// in UTF-8, at most <see cref="GatewayOptions.MaxRequestBytes"/>, and pass <see cref="JsonBodyScanner"/>, before
/// the SDK or a tool sees it. A client's mistake never reaches code that could answer 500: 415 for the
/// media type, 413 for the size, 400 naming the field for the body; a bad tool argument inside a tools/call
/// gets the tool's own isError result naming the parameter, like every other argument error.
/// The body is read once into a pooled buffer that goes back to the pool when the response is done.
/// </summary>
public sealed class RequestGuard(RequestDelegate next, ToolCatalog catalog, GatewayOptions options, ILogger<RequestGuard> logger)
{
    private static readonly string[] McpArguments = ["params", "arguments"];

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var isMcp = request.Path.Equals(GatewayHost.McpPath, StringComparison.OrdinalIgnoreCase);
        var tool = !isMcp && request.Path.StartsWithSegments(GatewayHost.McpPath, out var rest) && rest.Value is { Length: > 1 } r && r.IndexOf('/', 1) < 0
            ? r[1..] : null;
        // Only POST bodies are ours; an unknown tool is the mirror's 404.
        if (!HttpMethods.IsPost(request.Method) || !isMcp && (tool is null || !catalog.TryGet(tool, out _)))
        {
            await next(context);
            return;
        }

        // A mirror call with no body at all has no arguments and no media type to check.
        if (!isMcp && context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            context.Features.Set(new CheckedBody(ReadOnlyMemory<byte>.Empty));
            await next(context);
            return;
        }

        if (MediaTypeProblem(request.ContentType) is { } mediaType)
        {
            await Refuse(context, isMcp, StatusCodes.Status415UnsupportedMediaType, ToolError.UnsupportedMediaType, null, mediaType, McpErrorCode.InvalidRequest, null);
            return;
        }

        var (buffer, length) = await ReadBody(context, options.MaxRequestBytes);
        if (buffer is null)
        {
            await Refuse(context, isMcp, StatusCodes.Status413PayloadTooLarge, ToolError.TooLarge, null,
                $"the body must be at most {options.MaxRequestBytes} bytes (SwarmCluster:MaxRequestBytes)", McpErrorCode.InvalidRequest, null);
            return;
        }
        context.Response.RegisterForDispose(new PooledBuffer(buffer));

        var body = buffer.AsMemory(0, length);
        var scan = JsonBodyScanner.Scan(body.Span, isMcp ? McpArguments : []);
        if (isMcp)
            await GuardMcp(context, scan, buffer, length);
        else
            await GuardRest(context, scan, body);
    }

    private async Task GuardRest(HttpContext context, BodyScan scan, ReadOnlyMemory<byte> body)
    {
        if (scan.Problem is { } p)
        {
            var message = p.Field.Length > 0 ? $"{p.Field}: {p.Rule}" : $"the body {p.Rule}";
            await Refuse(context, false, StatusCodes.Status400BadRequest, ToolError.InvalidArgument, p.Parameter, message, default, null);
            return;
        }
        if (body.Length > 0 && scan.RootKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            await Refuse(context, false, StatusCodes.Status400BadRequest, ToolError.InvalidArgument, null,
                $"the body must be a JSON object of arguments (got {Describe(scan.RootKind)})", default, null);
            return;
        }
        context.Features.Set(new CheckedBody(body));
        await next(context);
    }

    private async Task GuardMcp(HttpContext context, BodyScan scan, byte[] buffer, int length)
    {
        if (scan.Problem is { } p)
        {
            // A bad argument of a tools/call with an id: the same isError result the tool filter gives.
            if (p.Parameter is not null && scan.Method == RequestMethods.ToolsCall && scan.IdJson is not null && !p.Syntax)
            {
                var error = new ToolError(ToolError.InvalidArgument, p.Parameter, $"{p.Field}: {p.Rule}");
                await Answer(context, StatusCodes.Status200OK,
                    $"{{\"jsonrpc\":\"2.0\",\"id\":{scan.IdJson},\"result\":{JsonSerializer.Serialize(ToolResults.Failure(error), McpJsonUtilities.DefaultOptions)}}}");
                logger.LogDebug("Refused {Tool} argument: {Message}", scan.ToolName, error.Message);
                return;
            }
            var code = p.Syntax || p.Field.Length == 0 ? McpErrorCode.ParseError
                : p.Field.StartsWith("params", StringComparison.Ordinal) ? McpErrorCode.InvalidParams : McpErrorCode.InvalidRequest;
            var where = p.Parameter is not null ? "params.arguments." + p.Field : p.Field;
            await Refuse(context, true, StatusCodes.Status400BadRequest, ToolError.InvalidArgument, p.Parameter,
                where.Length > 0 ? $"{where}: {p.Rule}" : $"the body {p.Rule}", code, scan.IdJson);
            return;
        }
        if (scan.RootKind != JsonValueKind.Object)
        {
            await Refuse(context, true, StatusCodes.Status400BadRequest, ToolError.InvalidArgument, null,
                $"the body must be one JSON-RPC message, a JSON object (got {Describe(scan.RootKind)})", McpErrorCode.InvalidRequest, null);
            return;
        }

        // The SDK reads the very bytes checked.
        context.Request.Body = new MemoryStream(buffer, 0, length, writable: false);
        context.Request.ContentLength = length;
        await next(context);
    }

    /// <summary>null when the media type is application/json in UTF-8, else the rule broken.</summary>
    public static string? MediaTypeProblem(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
            return "Content-Type is missing: send the body as application/json";
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType) || !mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            return $"Content-Type must be application/json (got '{Shorten(contentType)}')";
        if (mediaType.Charset.HasValue && !(mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || mediaType.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)))
            return $"Content-Type must be application/json in UTF-8 (got charset '{Shorten(mediaType.Charset.Value!)}')";
        return null;
    }

    /// <summary>The body in a pooled buffer, or (null, 0) when it is larger than the limit.</summary>
    private static async Task<(byte[]? Buffer, int Length)> ReadBody(HttpContext context, int limit)
    {
        var declared = context.Request.ContentLength;
        if (declared > limit)
            return (null, 0);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(declared ?? 16 * 1024, 1, limit));
        var capacity = Math.Min(buffer.Length, limit);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == capacity)
                {
                    if (capacity == limit)
                    {
                        // Full: one more byte means too large.
                        var probe = new byte[1];
                        if (await context.Request.Body.ReadAsync(probe, context.RequestAborted) == 0)
                            return (buffer, length);
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, 0);
                    }
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(capacity * 2, limit));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                    capacity = Math.Min(buffer.Length, limit);
                }
                var read = await context.Request.Body.ReadAsync(buffer.AsMemory(length, capacity - length), context.RequestAborted);
                if (read == 0)
                    return (buffer, length);
                length += read;
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, 0);
        }
    }

    private async Task Refuse(HttpContext context, bool isMcp, int status, string kind, string? parameter, string message, McpErrorCode code, string? idJson)
    {
        logger.LogDebug("Refused {Method} {Path}: {Status} {Message}", context.Request.Method, context.Request.Path, status, message);
        // The body may be unread: do not keep the connection for the rest of it.
        if (status is StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType)
            context.Response.Headers.Connection = "close";
        var json = isMcp
            ? $"{{\"jsonrpc\":\"2.0\",\"id\":{idJson ?? "null"},\"error\":{{\"code\":{(int)code},\"message\":{JsonSerializer.Serialize(message)}}}}}"
            : JsonSerializer.Serialize(new { error = new ToolError(kind, parameter, message) }, ToolJson.Results);
        await Answer(context, status, json);
    }

    private static async Task Answer(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(json, Encoding.UTF8, context.RequestAborted);
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Shorten(string text) => text.Length > 80 ? text[..77] + "..." : text;

    private sealed class PooledBuffer(byte[] buffer) : IDisposable
    {
        public void Dispose() => ArrayPool<byte>.Shared.Return(buffer);
    }
}
