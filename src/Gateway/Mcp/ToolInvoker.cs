using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace SwarmCluster.Gateway.Mcp;

/// <summary>
/// The one place a tool call is validated and its failure turned into a clear error: used by the MCP
/// call-tool filter and by the REST mirror.
/// </summary>
public sealed class ToolInvoker(ToolCatalog catalog, ILogger<ToolInvoker> logger)
{
    public ToolCatalog Catalog => catalog;

    /// <summary>MCP: validates, runs the SDK's pipeline, maps exceptions to an isError result.</summary>
    public async ValueTask<CallToolResult> InvokeMcpAsync(
        RequestContext<CallToolRequestParams> context, McpRequestHandler<CallToolRequestParams, CallToolResult> next, CancellationToken cancellationToken)
    {
        var name = context.Params?.Name ?? "";
        if (!catalog.TryGet(name, out var entry))
            return await next(context, cancellationToken); // the SDK answers unknown tools (-32602)

        try
        {
            var arguments = ArgumentValidator.Validate(entry.McpTool.ProtocolTool.InputSchema, context.Params!.Arguments);
            context.Params.Arguments = arguments; // the binder gets the normalized arguments
            return await next(context, cancellationToken);
        }
        catch (Exception e) when (ToolError.FromException(e, name, cancellationToken) is { } error)
        {
            Log(name, e, error);
            return ToolResults.Failure(error);
        }
    }

    /// <summary>REST: the same validation, function and error mapping; returns the error for its HTTP status.</summary>
    public async Task<(CallToolResult Result, ToolError? Error)> InvokeAsync(
        ToolEntry entry, IEnumerable<KeyValuePair<string, JsonElement>>? arguments, IServiceProvider services, CancellationToken cancellationToken)
    {
        try
        {
            var validated = ArgumentValidator.Validate(entry.McpTool.ProtocolTool.InputSchema, arguments);
            var functionArguments = new AIFunctionArguments(validated.ToDictionary(kv => kv.Key, kv => (object?)kv.Value)) { Services = services };
            var result = await entry.Function.InvokeAsync(functionArguments, cancellationToken);
            return ((CallToolResult)result!, null);
        }
        catch (Exception e) when (ToolError.FromException(e, entry.Name, cancellationToken) is { } error)
        {
            Log(entry.Name, e, error);
            return (ToolResults.Failure(error), error);
        }
    }

    private void Log(string tool, Exception exception, ToolError error)
    {
        // Client mistakes are routine; only our own failures deserve a stack trace.
        if (error.Kind == ToolError.Internal)
            logger.LogError(exception, "{Tool} failed", tool);
        else
            logger.LogDebug("{Tool}: {Kind}: {Message}", tool, error.Kind, error.Message);
    }
}
