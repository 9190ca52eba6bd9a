using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using SwarmCluster.Gateway.Security;
using SwarmCluster.Grains.Telemetry;

namespace SwarmCluster.Gateway.Mcp;

/// <summary>
/// The one place a tool call is authorized (the caller's scope against the tool's), validated and its failure
/// turned into a clear error: used by the MCP call-tool filter and by the REST mirror. tools/list shows a caller
/// only the tools this lets it call.
/// </summary>
public sealed class ToolInvoker(ToolCatalog catalog, CallerResolver callers, ClusterStarted started, ILogger<ToolInvoker> logger)
{
    public ToolCatalog Catalog => catalog;

    /// <summary>MCP: authorizes, validates, runs the SDK's pipeline, maps exceptions to an isError result.</summary>
    public async ValueTask<CallToolResult> InvokeMcpAsync(
        RequestContext<CallToolRequestParams> context, McpRequestHandler<CallToolRequestParams, CallToolResult> next, CancellationToken cancellationToken)
    {
        var name = context.Params?.Name ?? "";
        if (!catalog.TryGet(name, out var entry))
            return await next(context, cancellationToken); // the SDK answers unknown tools (-32602)

        try
        {
            var caller = Authorize(entry, Resolve(context.User));
            var arguments = ArgumentValidator.Validate(entry.McpTool.ProtocolTool.InputSchema, context.Params!.Arguments);
            context.Params.Arguments = arguments; // the binder gets the normalized arguments
            caller.Enter();
            await started.WaitAsync(cancellationToken);
            return await next(context, cancellationToken);
        }
        catch (Exception e) when (ToolError.FromException(e, name, cancellationToken) is { } error)
        {
            Log(name, e, error);
            if (error.Kind == ToolError.Forbidden)
                SwarmMetrics.RecordRefusal("forbidden"); // over HTTP a 403 is counted by the refusal middleware; here the answer is 200
            return ToolResults.Failure(error);
        }
    }

    /// <summary>REST: the same authorization, validation, function and error mapping; returns the error for its HTTP status.</summary>
    public async Task<(CallToolResult Result, ToolError? Error)> InvokeAsync(
        ToolEntry entry, IEnumerable<KeyValuePair<string, JsonElement>>? arguments, ClaimsPrincipal? user, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        try
        {
            var caller = Authorize(entry, callers.Resolve(user));
            var validated = ArgumentValidator.Validate(entry.McpTool.ProtocolTool.InputSchema, arguments);
            var functionArguments = new AIFunctionArguments(validated.ToDictionary(kv => kv.Key, kv => (object?)kv.Value)) { Services = services };
            caller.Enter();
            await started.WaitAsync(cancellationToken);
            var result = await entry.Function.InvokeAsync(functionArguments, cancellationToken);
            return ((CallToolResult)result!, null);
        }
        catch (Exception e) when (ToolError.FromException(e, entry.Name, cancellationToken) is { } error)
        {
            Log(entry.Name, e, error);
            return (ToolResults.Failure(error), error);
        }
    }

    /// <summary>tools/list: only the tools the caller holds the scope for.</summary>
    public ValueTask<ListToolsResult> ListToolsAsync(
        RequestContext<ListToolsRequestParams> context, McpRequestHandler<ListToolsRequestParams, ListToolsResult> next, CancellationToken cancellationToken)
    {
        var caller = Resolve(context.User);
        if (caller == Caller.Local)
            return next(context, cancellationToken);
        return Filtered();

        async ValueTask<ListToolsResult> Filtered()
        {
            var result = await next(context, cancellationToken);
            result.Tools = result.Tools.Where(t => caller is not null && catalog.TryGet(t.Name, out var e) && caller.Has(e.Scope)).ToList();
            return result;
        }
    }

    /// <summary>A session over the local bridge socket is the local admin; any other is who its request authenticated as.</summary>
    private Caller? Resolve(ClaimsPrincipal? user) => LocalSessions.IsCurrent ? Caller.Local : callers.Resolve(user);

    private static Caller Authorize(ToolEntry entry, Caller? resolved)
    {
        // Unreachable over HTTP (the endpoint answers 401 first); refused here too, so a mistake in the pipeline fails closed.
        var caller = resolved ?? throw new ForbiddenException(entry.Scope, $"{entry.Name}: the request is not authenticated");
        caller.Require(entry.Scope, entry.Name);
        return caller;
    }

    private void Log(string tool, Exception exception, ToolError error)
    {
        // Client mistakes are routine; only our own failures deserve a stack trace.
        if (error.Kind == ToolError.Internal)
            logger.LogError(exception, "{Tool} failed (correlation id {CorrelationId})", tool, error.CorrelationId);
        else if (error.Kind == ToolError.Forbidden)
            logger.LogInformation("{Tool}: {Message}", tool, error.Message);
        else
            logger.LogDebug("{Tool}: {Kind}: {Message}", tool, error.Kind, error.Message);
    }
}
