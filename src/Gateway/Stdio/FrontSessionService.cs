using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// Runs <c>--stdio --private</c>'s one MCP session over its <see cref="FrontSession"/> and stops the host when the
/// session ends (the client's input ended and every request was answered), as the SDK's stdio hosting does.
/// </summary>
internal sealed class FrontSessionService(
    FrontSession session, IOptions<McpServerOptions> options, ILoggerFactory loggers, IServiceProvider services, IHostApplicationLifetime lifetime)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var server = McpServer.Create(session, options.Value, loggers, services);
            await server.RunAsync(stoppingToken);
        }
        finally
        {
            await session.DisposeAsync(); // what is still unanswered (the host is stopping) is told so
            lifetime.StopApplication();
        }
    }
}
