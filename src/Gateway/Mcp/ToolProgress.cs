using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace SwarmCluster.Gateway.Mcp;

/// <summary>
/// A tool parameter (hidden from the schema) that sends MCP progress notifications when the client asked for them
/// with a progressToken; otherwise (no token, the REST mirror) it sends nothing and <see cref="Requested"/> is false.
/// </summary>
public sealed class ToolProgress
{
    public static readonly ToolProgress None = new(null, null);

    private readonly McpServer? _server;
    private readonly ProgressToken? _token;

    private ToolProgress(McpServer? server, ProgressToken? token)
    {
        _server = server;
        _token = token;
    }

    /// <summary>Whether the client passed a progressToken (tools may then split work to report between parts).</summary>
    public bool Requested => _token is not null;

    /// <summary>The progress of the current call, from the request the SDK is serving (none outside MCP).</summary>
    public static ToolProgress From(IServiceProvider? services) =>
        services?.GetService(typeof(RequestContext<CallToolRequestParams>)) is RequestContext<CallToolRequestParams> { Params.ProgressToken: { } token } request
            ? new ToolProgress(request.Server, token)
            : None;

    /// <summary>Sends one notification (progress increases call by call; total when known). Waits until it is written.</summary>
    public async Task ReportAsync(double progress, double? total, string message, CancellationToken cancellationToken)
    {
        if (_server is null || _token is not { } token)
            return;
        await _server.NotifyProgressAsync(token, new ProgressNotificationValue
        {
            Progress = (float)progress,
            Total = total is { } t ? (float)t : null,
            Message = message,
        }, cancellationToken: cancellationToken);
    }
}
