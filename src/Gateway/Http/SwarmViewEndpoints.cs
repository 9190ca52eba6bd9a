using System.Reflection;
using SwarmCluster.Contracts.Views;
using SwarmCluster.Gateway.Cluster;
using SwarmCluster.Gateway.Mcp;
using SwarmCluster.Gateway.Security;

namespace SwarmCluster.Gateway.Http;

/// <summary>
/// The swarm view: GET /swarms (a page whose script and styles ship inside this assembly: nothing is fetched from
/// elsewhere) and its JSON, GET /swarms/api/cluster and /swarms/api/swarms/{id}, each answered by one grain call.
/// GET / links it with the dashboard, health and metrics.
/// </summary>
public static class SwarmViewEndpoints
{
    public const string Path = "/swarms";

    private static readonly Dictionary<string, (string Resource, string ContentType)> Assets = new(StringComparer.Ordinal)
    {
        [""] = ("index.html", "text/html; charset=utf-8"),
        ["swarms.js"] = ("swarms.js", "text/javascript; charset=utf-8"),
        ["swarms.css"] = ("swarms.css", "text/css; charset=utf-8"),
    };

    /// <summary>
    /// Behind the same authentication as /mcp: an authenticated caller holding the read scope, who sees only its
    /// tenant's swarms and namespaces.
    /// </summary>
    public static IEndpointRouteBuilder MapSwarmView(this IEndpointRouteBuilder endpoints, AuthSettings auth)
    {
        Protect(endpoints.MapGet("/", () => Results.Content(RootPage, "text/html; charset=utf-8")), auth);
        Protect(endpoints.MapGet(Path, () => Asset("")), auth);
        Protect(endpoints.MapGet(Path + "/{file}", (string file) => Asset(file)), auth);
        Protect(endpoints.MapGet(Path + "/api/cluster", (GrainCalls grains, CancellationToken ct) =>
            Answer("cluster", () => grains.Read(() => View(grains).GetCluster(Caller.Current.Tenant), ct), ct)), auth);
        Protect(endpoints.MapGet(Path + "/api/swarms/{swarmId}", (string swarmId, GrainCalls grains, CancellationToken ct) =>
            Answer("swarm", () => grains.Read(() => View(grains).GetSwarm(Caller.Current.Tenant, Ids.Swarm(swarmId)), ct), ct)), auth);
        return endpoints;
    }

    /// <summary>Authenticated (as /mcp), then the read scope; the caller's tenant goes with its grain calls.</summary>
    private static void Protect(RouteHandlerBuilder endpoint, AuthSettings auth) =>
        endpoint.RequireCaller(auth).AddEndpointFilter(async (context, next) =>
        {
            var caller = context.HttpContext.RequestServices.GetRequiredService<CallerResolver>().Resolve(context.HttpContext.User);
            if (caller is null || !caller.Has(Scope.Read))
            {
                var error = new ToolError(ToolError.Forbidden, null,
                    $"the swarm view needs the '{Scopes.Name(Scope.Read)}' scope; {caller?.Describe() ?? "the request is not authenticated"}");
                return Results.Json(new { error }, ToolJson.Results, statusCode: error.HttpStatus);
            }

            caller.Enter();
            return await next(context);
        });

    private static ISwarmViewGrain View(GrainCalls grains) => grains.Factory.GetGrain<ISwarmViewGrain>(0);

    private static async Task<IResult> Answer<T>(string view, Func<Task<T>> read, CancellationToken ct)
    {
        try
        {
            return Results.Json(await read(), ToolJson.Results);
        }
        catch (Exception e) when (ToolError.FromException(e, view, ct) is { } error)
        {
            return Results.Json(new { error }, ToolJson.Results, statusCode: error.HttpStatus);
        }
    }

    private static IResult Asset(string file)
    {
        if (!Assets.TryGetValue(file, out var asset))
            return Results.NotFound();
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("SwarmView/" + asset.Resource)
            ?? throw new InvalidOperationException($"embedded asset SwarmView/{asset.Resource} is missing from the build");
        return Results.Stream(stream, asset.ContentType);
    }

    private const string RootPage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>SwarmCluster</title></head>
        <body style="font-family: system-ui, sans-serif; margin: 2rem">
        <h1>SwarmCluster</h1>
        <ul>
          <li><a href="/swarms">Swarm view</a>: swarms, agents, task graphs, routing networks, memory</li>
          <li><a href="/dashboard/">Orleans dashboard</a>: silos and grains (when this host serves it)</li>
          <li><a href="/healthz">Health</a> · <a href="/metrics">Metrics</a> (Prometheus)</li>
          <li>MCP endpoint: <code>/mcp</code></li>
        </ul>
        </body></html>
        """;
}
