using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.MembershipService.SiloMetadata;
using SwarmCluster.Grains.Placement;

namespace SwarmCluster.Hosting;

/// <summary>
/// Body of GET /healthz. Open to anyone (probes carry no credentials), so it holds counts and kinds only: no
/// addresses, cluster or service ids, versions or error texts (those go to the log).
/// </summary>
public sealed record SwarmClusterHealth(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("siloStatus")] string SiloStatus,
    [property: JsonPropertyName("clustering")] string Clustering,
    [property: JsonPropertyName("storage")] string Storage,
    [property: JsonPropertyName("activeSilos")] int ActiveSilos,
    [property: JsonPropertyName("activeWorkers")] int ActiveWorkers);

/// <summary>
/// The health endpoints, open without authentication:
/// GET /healthz/live — liveness: the process serves HTTP and its silo is not dead (no grain call), 200 or 503;
/// GET /healthz/ready — readiness: the silo is active, a management grain call answers and a worker is there to host
/// grains (always so for the embedded role), 200 or 503;
/// GET /healthz — the silo answers (200 "ok", else 503), with the counts (silos, workers) operators and tests read.
/// </summary>
internal static class HealthEndpoint
{
    // Long enough for a loaded silo, short enough for a Kubernetes probe (default timeout 1 s is raised to 5 s there).
    private static readonly TimeSpan ManagementTimeout = TimeSpan.FromSeconds(3);

    public static void Map(WebApplication app)
    {
        app.MapGet("/healthz", async (HttpContext http) =>
        {
            var (_, body) = await CheckAsync(http);
            return Results.Json(body, statusCode: body.Status == "ok" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/healthz/ready", async (HttpContext http) =>
        {
            var (ready, _) = await CheckAsync(http);
            return Results.Json(new { status = ready ? "ready" : "unavailable" }, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/healthz/live", (HttpContext http) =>
        {
            var status = http.RequestServices.GetRequiredService<ISiloStatusOracle>().CurrentStatus;
            var alive = status != SiloStatus.Dead;
            return Results.Json(new { status = alive ? "alive" : "dead" }, statusCode: alive ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
    }

    private static async Task<(bool Ready, SwarmClusterHealth Body)> CheckAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var info = services.GetRequiredService<SwarmClusterSiloInfo>();
        var status = services.GetRequiredService<ISiloStatusOracle>().CurrentStatus;
        int activeSilos = 0, activeWorkers = 0;
        var answered = false;

        if (status == SiloStatus.Active)
        {
            try
            {
                // Asks the membership view through a real grain call, so a wedged runtime shows up as 503.
                var hosts = await services.GetRequiredService<IGrainFactory>()
                    .GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)
                    .WaitAsync(ManagementTimeout, http.RequestAborted);
                activeSilos = hosts.Count;
                var metadata = services.GetService<ISiloMetadataCache>();
                activeWorkers = metadata is null ? 0 : hosts.Keys.Count(silo =>
                    metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloRoles.MetadataKey, out var role) && role == SiloRoles.Worker);
                answered = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
            {
                services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HealthEndpoint)).LogWarning(ex, "Health check: the management grain did not answer");
            }
        }

        // A gateway without workers cannot host a single grain: it is up, but not ready for traffic.
        var ready = answered && (info.Role != SiloRole.Gateway || activeWorkers > 0);
        return (ready, new SwarmClusterHealth(
            answered ? "ok" : "unavailable",
            info.Role.ToString().ToLowerInvariant(),
            status.ToString(),
            info.Options.Clustering.ToString(),
            info.Options.Storage.ToString(),
            activeSilos,
            activeWorkers));
    }
}
