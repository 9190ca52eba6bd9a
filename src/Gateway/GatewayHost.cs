using System.Reflection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using SwarmCluster.Contracts;
using SwarmCluster.Gateway.Cluster;
using SwarmCluster.Gateway.Http;
using SwarmCluster.Gateway.Mcp;
using SwarmCluster.Gateway.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SwarmCluster.Gateway.Stdio;
using SwarmCluster.Gateway.Tools;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway;

/// <summary>The two hosts: Streamable HTTP (default; also the end of --stdio bridges) and a private stdio silo (--stdio --private).</summary>
public static class GatewayHost
{
    public const string DefaultUrl = "http://127.0.0.1:8765";
    public const string McpPath = "/mcp";
    public const string ServerName = "swarmcluster";

    public static string Version { get; } =
        typeof(GatewayHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(GatewayHost).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    public static async Task<int> RunHttpAsync(string[] args)
    {
        // Content root at the binaries, so appsettings.json applies whatever the working directory is.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (!HasConfiguredEndpoints(builder.Configuration))
            builder.WebHost.UseUrls(DefaultUrl); // loopback only unless told otherwise

        // Checked before anything starts: exposed without authentication, the gateway does not start at all.
        var auth = AuthSettings.FromConfiguration(builder.Configuration);
        if (GatewaySecurity.RefusalToStart(builder.Configuration, auth, DefaultUrl) is { } refusal)
        {
            await Console.Error.WriteLineAsync(refusal);
            return 3;
        }

        // Bodies beyond the largest legitimate call are refused before they are buffered.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<GatewayOptions>>(
            (kestrel, gateway) => kestrel.Limits.MaxRequestBodySize = gateway.Value.MaxRequestBytes);

        builder.AddSwarmClusterSilo(ReadRole(builder.Configuration));
        builder.AddGatewaySecurity(auth);
        builder.Services.AddSwarmGateway(builder.Configuration, "http")
            .WithHttpTransport(o => o.Stateless = true); // no sessions: any gateway replica can answer any request
        builder.Services.AddBridgeEndpoint(builder.Configuration);

        var app = builder.Build().BuildHostedServicesInBackground();
        GatewaySecurity.WarnIfAnonymous(builder.Configuration, auth, DefaultUrl, app.Logger);
        app.UseGenericErrors();
        app.UseMcpActivity();
        app.UseMiddleware<HostCheck>();
        app.UseRouting();
        app.UseRefusalCounting();
        app.UseGatewaySecurity(auth); // 401/403/429 before a body is read
        app.UseMiddleware<RequestGuard>();
        app.MapSwarmClusterEndpoints(dashboard => dashboard.RequireCaller(auth, admin: true));
        app.MapMcp(McpPath).RequireCaller(auth);
        app.MapToolMirror(McpPath).RequireCaller(auth);
        app.MapSwarmView(auth);
        await app.RunAsync();
        return 0;
    }

    /// <summary>--stdio --private: this process's own silo; plain --stdio is <see cref="StdioBridge"/>.</summary>
    public static Task<int> RunStdioAsync(string[] args)
    {
        var stdio = new PrivateStdio();
        return stdio.RunAsync(() => BuildPrivateHost(args, stdio), UnixFds.Supported ? PrivateGreeting(args) : null);
    }

    private static IHost BuildPrivateHost(string[] args, PrivateStdio stdio)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args.Where(a => a is not ("--stdio" or "--private")).ToArray(),
            // Clients start us from any directory; appsettings.json sits next to the dll.
            ContentRootPath = AppContext.BaseDirectory,
        });
        // stdout carries JSON-RPC only: every log line goes to stderr.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // Nothing can serve the dashboard without HTTP.
        if (builder.Configuration[$"{SwarmClusterOptions.SectionName}:Dashboard"] is null)
            builder.Configuration[$"{SwarmClusterOptions.SectionName}:Dashboard"] = "false";

        // The MCP server's hosted service is registered before the silo's (hosted services start in registration
        // order): requests that need no grain are answered while the silo starts.
        var role = ReadRole(builder.Configuration);
        builder.Services.AddSwarmGateway(builder.Configuration, "stdio");
        builder.Services.AddSingleton(stdio.Session).AddHostedService<FrontSessionService>();
        builder.AddSwarmClusterSilo(role);
        return builder.Build();
    }

    /// <summary>This build's greeting (its data directory's, else the one next to the binaries); none if the arguments are refused.</summary>
    private static BridgeGreeting? PrivateGreeting(string[] args)
    {
        try
        {
            return BridgeGreeting.Find(BridgeOptions.Parse(args).DataDirectory);
        }
        catch (ArgumentException)
        {
            return null; // the host refuses them too, with its own message
        }
    }

    /// <summary>Tools, their filter and the services they use; shared by both transports.</summary>
    public static IMcpServerBuilder AddSwarmGateway(this IServiceCollection services, IConfiguration configuration, string transport)
    {
        var catalog = ToolCatalog.FromAssembly(typeof(GatewayHost).Assembly);
        services.AddGatewayOptions();
        // Without HTTP authentication (stdio, or no keys or JWT configured) every caller is the local one.
        services.TryAddSingleton(new CallerResolver(authenticationEnabled: false));
        services.AddSingleton(catalog);
        services.AddSingleton<ToolInvoker>();
        services.AddSingleton<ClusterStarted>();
        services.AddSingleton<GrainCalls>();
        services.AddSingleton<ProcessFigures>();
        services.AddSingleton(sp => ClusterDescription.From(sp.GetRequiredService<SwarmClusterSiloInfo>(), transport));
        services.AddHostedService<GatewayPresence>();

        return services
            .AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = ServerName, Title = "SwarmCluster", Version = Version };
                o.ServerInstructions = Instructions;
            })
            .WithTools(catalog.Tools.Select(t => t.McpTool))
            .WithMessageFilters(filters => filters.AddIncomingFilter(ToolCallGuard.Filter))
            .WithRequestFilters(filters => filters
                .AddCallToolFilter(ToolTelemetry.Filter) // outermost: refusals are counted too
                .AddCallToolFilter(next => (context, cancellationToken) =>
                    context.Services!.GetRequiredService<ToolInvoker>().InvokeMcpAsync(context, next, cancellationToken))
                .AddListToolsFilter(next => (context, cancellationToken) =>
                    context.Services!.GetRequiredService<ToolInvoker>().ListToolsAsync(context, next, cancellationToken)));
    }

    /// <summary>SwarmCluster:Role: Embedded (default: this process hosts every grain) or Gateway (the grains live on worker silos).</summary>
    public static SiloRole ReadRole(IConfiguration configuration)
    {
        var value = configuration[$"{SwarmClusterOptions.SectionName}:Role"];
        if (string.IsNullOrWhiteSpace(value))
            return SiloRole.Embedded;
        if (Enum.TryParse<SiloRole>(value, ignoreCase: true, out var role) && role is SiloRole.Embedded or SiloRole.Gateway)
            return role;
        throw new InvalidOperationException($"SwarmCluster:Role must be Embedded or Gateway for the gateway (got '{value}'); workers run src/Silo");
    }

    private static bool HasConfiguredEndpoints(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration["urls"]) || !string.IsNullOrEmpty(configuration["http_ports"])
        || !string.IsNullOrEmpty(configuration["https_ports"]) || configuration.GetSection("Kestrel:Endpoints").Exists();

    private const string Instructions =
        "SwarmCluster keeps swarms of agents, their task graphs, shared memory and a FANN routing network per swarm in " +
        "an Orleans cluster. Start with swarm_init (or swarm_create_with_queen for a planned, supervised swarm); tools " +
        "without swarmId act on the newest swarm. Agents are records: you do the work. As a worker: agent_spawn once, " +
        "then loop task_claim (a lease) → task_progress while working (each call renews the lease) → task_complete; " +
        "a lease that runs out sends the task back to the queue. Tasks can depend on tasks (dependsOn). Pass requestId " +
        "on creating calls so a retry never duplicates. Recorded outcomes train the routing network. Errors name the " +
        "parameter at fault.";
}
