using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.MembershipService.SiloMetadata;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Hosting.Storage;

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
/// ASP.NET Core health checks, served open without authentication:
/// GET /healthz/live — liveness: the silo is not dead (no grain call), 200 or 503;
/// GET /healthz/ready — readiness: a management grain call answers, a worker is there to host grains (always so
/// for the embedded role) and the grain storage database answers, 200 or 503;
/// GET /healthz — the silo answers (200 "ok", else 503), with the counts (silos, workers) operators and tests read.
/// </summary>
public static class SwarmHealthChecks
{
    /// <summary>Tag of the checks /healthz/live runs.</summary>
    public const string LiveTag = "live";

    /// <summary>Tag of the checks /healthz/ready runs.</summary>
    public const string ReadyTag = "ready";

    // Long enough for a loaded silo, short enough for a Kubernetes probe (default timeout 1 s is raised to 5 s there).
    internal static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The silo's status (live), the cluster as seen through a grain call (ready) and the storage database (ready).</summary>
    public static IServiceCollection AddSwarmHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<SiloStatusCheck>(SiloStatusCheck.Name, tags: [LiveTag])
            .AddCheck<ClusterCheck>(ClusterCheck.Name, tags: [ReadyTag], timeout: CheckTimeout)
            .AddCheck<StorageCheck>(StorageCheck.Name, tags: [ReadyTag], timeout: CheckTimeout);
        return services;
    }

    /// <summary>Maps /healthz, /healthz/live and /healthz/ready with the bodies probes and tests read.</summary>
    public static WebApplication MapSwarmHealthChecks(this WebApplication app)
    {
        // A gateway without workers answers (ok, 200) but is not ready for traffic: the cluster check is Degraded.
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = check => check.Name == ClusterCheck.Name,
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status200OK },
            ResponseWriter = WriteSummaryAsync,
        });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable },
            ResponseWriter = (http, report) => http.Response.WriteAsJsonAsync(new { status = report.Status == HealthStatus.Healthy ? "ready" : "unavailable" }),
        });
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResponseWriter = (http, report) => http.Response.WriteAsJsonAsync(new { status = report.Status == HealthStatus.Healthy ? "alive" : "dead" }),
        });
        return app;
    }

    private static Task WriteSummaryAsync(HttpContext http, HealthReport report)
    {
        var services = http.RequestServices;
        var info = services.GetRequiredService<SwarmClusterSiloInfo>();
        var cluster = report.Entries.TryGetValue(ClusterCheck.Name, out var entry) ? entry : default;
        var answered = cluster.Status != HealthStatus.Unhealthy;
        return http.Response.WriteAsJsonAsync(new SwarmClusterHealth(
            answered ? "ok" : "unavailable",
            info.Role.ToString().ToLowerInvariant(),
            services.GetRequiredService<ISiloStatusOracle>().CurrentStatus.ToString(),
            info.Options.Clustering.ToString(),
            info.Options.Storage.ToString(),
            Count(cluster, ClusterCheck.ActiveSilos),
            Count(cluster, ClusterCheck.ActiveWorkers)));
    }

    private static int Count(HealthReportEntry entry, string key) =>
        entry.Data is not null && entry.Data.TryGetValue(key, out var value) && value is int count ? count : 0;
}

/// <summary>Liveness: the process serves HTTP and its silo is not dead (asks no grain).</summary>
internal sealed class SiloStatusCheck(ISiloStatusOracle oracle) : IHealthCheck
{
    public const string Name = "silo";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(oracle.CurrentStatus == SiloStatus.Dead
            ? HealthCheckResult.Unhealthy("the silo is dead")
            : HealthCheckResult.Healthy());
}

/// <summary>
/// The membership view through a real management grain call, so a wedged runtime shows up as unhealthy. Degraded: a
/// gateway silo sees no worker, so it cannot host a single grain.
/// </summary>
internal sealed class ClusterCheck(IServiceProvider services, ILogger<ClusterCheck> logger) : IHealthCheck
{
    public const string Name = "cluster";
    public const string ActiveSilos = "activeSilos";
    public const string ActiveWorkers = "activeWorkers";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetRequiredService<ISiloStatusOracle>().CurrentStatus != SiloStatus.Active)
            return HealthCheckResult.Unhealthy("the silo is not active");
        try
        {
            var hosts = await services.GetRequiredService<IGrainFactory>()
                .GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)
                .WaitAsync(SwarmHealthChecks.CheckTimeout, cancellationToken);
            var metadata = services.GetService<ISiloMetadataCache>();
            var workers = metadata is null ? 0 : hosts.Keys.Count(silo =>
                metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloRoles.MetadataKey, out var role) && role == SiloRoles.Worker);
            var data = new Dictionary<string, object> { [ActiveSilos] = hosts.Count, [ActiveWorkers] = workers };
            var role = services.GetRequiredService<SwarmClusterSiloInfo>().Role;
            return role == SiloRole.Gateway && workers == 0
                ? HealthCheckResult.Degraded("no worker silo is active", data: data)
                : HealthCheckResult.Healthy(data: data);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Health check: the management grain did not answer");
            return HealthCheckResult.Unhealthy("the management grain did not answer");
        }
    }
}

/// <summary>The grain storage database answers a trivial query (the same connection string the storage provider uses).</summary>
internal sealed class StorageCheck(SwarmClusterSiloInfo info, ILogger<StorageCheck> logger) : IHealthCheck
{
    public const string Name = "storage";

    private readonly string _connectionString = SwarmClusterHosting.GetStorageConnectionString(info.Options);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = StorageConnections.Create(info.Options.Storage, _connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Health check: the {Storage} storage did not answer", info.Options.Storage);
            return HealthCheckResult.Unhealthy("the storage did not answer");
        }
    }
}
