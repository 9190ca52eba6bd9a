using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// Tells silo.json what this owner of the data directory serves once it answers (its MCP URL and bridge socket;
/// neither for a private --stdio silo) and that it is stopping as soon as shutdown begins.
/// </summary>
internal sealed class GatewayPresence(IServiceProvider services, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<DataDirectoryLock>() is not { } owned)
            return Task.CompletedTask;
        lifetime.ApplicationStarted.Register(() =>
            owned.Publish(DataDirectoryOwner.Ready, McpUrl(), services.GetService<BridgeListener>()?.Path));
        lifetime.ApplicationStopping.Register(() => owned.Publish(DataDirectoryOwner.Stopping, null, null));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private string? McpUrl()
    {
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            ?? addresses?.FirstOrDefault();
        if (address is null)
            return null;
        // A wildcard binding is reached on loopback from this machine.
        var uri = new UriBuilder(address.Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1"));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
            uri.Host = "127.0.0.1";
        uri.Path = GatewayHost.McpPath;
        return uri.Uri.ToString().TrimEnd('/');
    }
}

/// <summary>Registration of the bridge endpoint, the idle stop and the presence record.</summary>
internal static class StdioBridgeHosting
{
    /// <summary>For the HTTP gateway: bridges' socket, their greeting, activity tracking and (when configured) the idle stop.</summary>
    public static IServiceCollection AddBridgeEndpoint(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<McpActivity>();
        services.AddSingleton<BridgeListener>();
        services.AddHostedService(sp => sp.GetRequiredService<BridgeListener>());
        services.AddHostedService<GreetingRecorder>();
        if (IdleShutdown.ReadLimit(configuration) is { } limit)
        {
            services.AddHostedService(sp => new IdleShutdown(limit, sp.GetRequiredService<McpActivity>(), sp.GetRequiredService<BridgeListener>(),
                sp.GetRequiredService<IHostApplicationLifetime>(), sp, sp.GetRequiredService<ILogger<IdleShutdown>>()));
        }
        return services;
    }

    /// <summary>Counts every request to the MCP endpoint (and its REST mirror) as activity.</summary>
    public static WebApplication UseMcpActivity(this WebApplication app)
    {
        var activity = app.Services.GetRequiredService<McpActivity>();
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(GatewayHost.McpPath))
            {
                await next(context);
                return;
            }
            activity.Begin();
            try
            {
                await next(context);
            }
            finally
            {
                activity.End();
            }
        });
        return app;
    }
}
