using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using SwarmCluster.Grains.Telemetry;

namespace SwarmCluster.Gateway.Mcp;

/// <summary>
/// Counts and times every tool call on both transports (swarmcluster.tool.calls / .duration, tagged tool and
/// outcome: "ok" or the error kind). The span of an MCP call is the SDK's own ("tools/call {tool}").
/// </summary>
public static class ToolTelemetry
{
    public const string Ok = "ok";

    /// <summary>The outermost call-tool filter, so refusals by validation are counted too.</summary>
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Filter(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            var name = context.Params?.Name ?? "";
            // Only catalog names become tag values: a client cannot grow the series with names of its own.
            if (!context.Services!.GetRequiredService<ToolCatalog>().TryGet(name, out _))
                return await next(context, cancellationToken);

            var start = Stopwatch.GetTimestamp();
            var outcome = "exception";
            try
            {
                var result = await next(context, cancellationToken);
                outcome = Outcome(result);
                return result;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                outcome = "cancelled";
                throw;
            }
            finally
            {
                Record(name, outcome, start);
            }
        };

    /// <summary>"ok", or the kind of the error an isError result carries.</summary>
    public static string Outcome(CallToolResult result)
    {
        if (result.IsError != true)
            return Ok;
        return result.StructuredContent is { ValueKind: JsonValueKind.Object } content
            && content.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
            && error.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String
            ? kind.GetString()!
            : ToolError.Internal;
    }

    public static void Record(string tool, string outcome, long startTimestamp)
    {
        var tags = new TagList { { "tool", tool }, { "outcome", outcome } };
        SwarmMetrics.ToolCalls.Add(1, tags);
        SwarmMetrics.ToolDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }

    /// <summary>
    /// Counts HTTP refusals by authentication (401), scope (403) and the rate limit (429) in swarmcluster.refusals;
    /// MCP tool calls refused for scope answer 200 with an isError result and are counted by the tool invoker.
    /// Quota refusals are counted where quotas are checked (the tenant's usage grain).
    /// </summary>
    public static void UseRefusalCounting(this WebApplication app) => app.Use(async (context, next) =>
    {
        await next(context);
        var reason = context.Response.StatusCode switch
        {
            StatusCodes.Status401Unauthorized => "unauthenticated",
            StatusCodes.Status403Forbidden => "forbidden",
            StatusCodes.Status429TooManyRequests => "rate_limited",
            _ => null,
        };
        if (reason is not null)
            SwarmMetrics.RecordRefusal(reason);
    });
}
