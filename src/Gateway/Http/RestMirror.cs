using System.Text.Json;
using SwarmCluster.Gateway.Mcp;

namespace SwarmCluster.Gateway.Http;

/// <summary>
/// POST /mcp/{tool} with the arguments as a JSON object (application/json only, so a cross-site form cannot
/// post one): the same tool functions as MCP, with HTTP statuses (400 bad arguments, 404 unknown tool or id,
/// 409 conflict or full, 413 too large, 415 not JSON, 503 cluster unavailable; with authentication on, 401 without
/// a valid key or token, 403 without the tool's scope, 429 over the rate limit).
/// </summary>
public static class RestMirror
{
    public static IEndpointConventionBuilder MapToolMirror(this IEndpointRouteBuilder endpoints, string prefix = "/mcp") =>
        endpoints.MapPost(prefix + "/{tool}", InvokeAsync);

    private static async Task<IResult> InvokeAsync(string tool, HttpRequest request, ToolInvoker invoker, CancellationToken cancellationToken)
    {
        if (!invoker.Catalog.TryGet(tool, out var entry))
            return Error(StatusCodes.Status404NotFound, ToolError.NotFound, null,
                $"unknown tool '{tool}'; tools: {string.Join(", ", invoker.Catalog.Tools.Select(t => t.Name).Order())}");

        Dictionary<string, JsonElement>? arguments;
        try
        {
            arguments = ReadArguments(request);
        }
        catch (JsonException e)
        {
            return Error(StatusCodes.Status400BadRequest, ToolError.InvalidArgument, null, $"the body must be a JSON object of arguments: {e.Message}");
        }

        var (result, error) = await invoker.InvokeAsync(entry, arguments, request.HttpContext.User, request.HttpContext.RequestServices, cancellationToken);
        return Results.Json(result.StructuredContent, ToolJson.Results, statusCode: error?.HttpStatus ?? StatusCodes.Status200OK);
    }

    // RequestGuard has read and checked the body (media type, size, UTF-8, duplicates, depth).
    private static Dictionary<string, JsonElement>? ReadArguments(HttpRequest request)
    {
        var body = request.HttpContext.Features.Get<CheckedBody>()
            ?? throw new InvalidOperationException("RequestGuard must run before the REST mirror");
        if (body.Json.Length == 0)
            return null; // no body: no arguments
        // Read in place (no copy of the body): the document lives until the response is done.
        var document = JsonDocument.Parse(body.Json);
        request.HttpContext.Response.RegisterForDispose(document);
        return document.RootElement.ValueKind switch
        {
            JsonValueKind.Object => document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal),
            JsonValueKind.Null => null,
            var kind => throw new JsonException($"got {kind.ToString().ToLowerInvariant()}"),
        };
    }

    private static IResult Error(int status, string kind, string? parameter, string message) =>
        Results.Json(new { error = new ToolError(kind, parameter, message) }, ToolJson.Results, statusCode: status);
}
