using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.MembershipService.SiloMetadata;
using SwarmCluster.Grains.Placement;

namespace SwarmCluster.Hosting;

/// <summary>Body of GET /healthz.</summary>
public sealed record SwarmClusterHealth(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("silo")] string Silo,
    [property: JsonPropertyName("siloStatus")] string SiloStatus,
    [property: JsonPropertyName("clusterId")] string ClusterId,
    [property: JsonPropertyName("serviceId")] string ServiceId,
    [property: JsonPropertyName("clustering")] string Clustering,
    [property: JsonPropertyName("storage")] string Storage,
    [property: JsonPropertyName("activeSilos")] int ActiveSilos,
    [property: JsonPropertyName("activeWorkers")] int ActiveWorkers,
    [property: JsonPropertyName("error")] string? Error);

internal static class HealthEndpoint
{
    // Long enough for a loaded silo, short enough for a Kubernetes probe (default timeout 1 s is raised to 5 s there).
    private static readonly TimeSpan ManagementTimeout = TimeSpan.FromSeconds(3);

    public static void Map(WebApplication app) => app.MapGet("/healthz", async (HttpContext http) =>
    {
        var services = http.RequestServices;
        var info = services.GetRequiredService<SwarmClusterSiloInfo>();
        var oracle = services.GetRequiredService<ISiloStatusOracle>();
        var local = services.GetRequiredService<ILocalSiloDetails>();
        var status = oracle.CurrentStatus;
        int activeSilos = 0, activeWorkers = 0;
        string? error = null;

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
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
            {
                error = ex.GetType().Name + ": " + ex.Message;
            }
        }
        else
        {
            error = $"silo is {status}";
        }

        var healthy = status == SiloStatus.Active && error is null;
        var body = new SwarmClusterHealth(
            healthy ? "ok" : "unavailable",
            info.Role.ToString().ToLowerInvariant(),
            local.SiloAddress.ToParsableString(),
            status.ToString(),
            info.Options.ClusterId,
            info.Options.ServiceId,
            info.Options.Clustering.ToString(),
            info.Options.Storage.ToString(),
            activeSilos,
            activeWorkers,
            error);
        return Results.Json(body, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    });
}
