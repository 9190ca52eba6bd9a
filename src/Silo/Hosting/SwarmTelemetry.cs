using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Diagnostics;
using SwarmCluster.Grains.Telemetry;

namespace SwarmCluster.Hosting;

/// <summary>
/// OpenTelemetry for every host: Orleans', ASP.NET Core's, the runtime's and our own instruments, served at
/// /metrics in Prometheus format; metrics and traces over OTLP when an endpoint is configured
/// (SwarmCluster:Telemetry:OtlpEndpoint or the standard OTEL_EXPORTER_OTLP_ENDPOINT), off by default.
/// </summary>
public static class SwarmTelemetry
{
    public const string SectionName = SwarmClusterOptions.SectionName + ":Telemetry";
    public const string MetricsPath = "/metrics";

    /// <summary>The MCP SDK's source and meter: a span per request ("tools/call {tool}", GenAI/MCP conventions).</summary>
    public const string McpSourceName = "Experimental.ModelContextProtocol";

    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>Orleans' spans: grain calls made by our code, runtime calls, storage reads and writes, activations.</summary>
    public static readonly string[] OrleansSourceNames =
    [
        ActivitySources.ApplicationGrainActivitySourceName,
        ActivitySources.RuntimeActivitySourceName,
        ActivitySources.StorageActivitySourceName,
        ActivitySources.LifecycleActivitySourceName,
    ];

    /// <summary>The OTLP endpoint to export to, or null when export is off.</summary>
    public static Uri? OtlpEndpoint(IConfiguration configuration)
    {
        var text = configuration[SectionName + ":OtlpEndpoint"];
        if (string.IsNullOrWhiteSpace(text))
            text = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(text))
            return null;
        return Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new InvalidOperationException($"{SectionName}:OtlpEndpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) must be an http(s) URL, e.g. http://otel-collector:4317 (got '{text}')");
    }

    public static IHostApplicationBuilder AddSwarmTelemetry(this IHostApplicationBuilder builder, SiloRole role)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var otlp = OtlpEndpoint(builder.Configuration);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(
                serviceName: role == SiloRole.Worker ? "swarmcluster-worker" : "swarmcluster-gateway",
                serviceVersion: typeof(SwarmTelemetry).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(OrleansMeterName, SwarmMetrics.MeterName, McpSourceName)
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (otlp is not null)
                    metrics.AddOtlpExporter(o => o.Endpoint = otlp);
            });

        // The sources are always named, so a tracer added later (an exporter, a test's in-memory one) sees them;
        // a tracer provider exists only when something exports.
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
            .AddSource(McpSourceName)
            .AddSource(OrleansSourceNames)
            .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments(MetricsPath)));
        if (otlp is not null)
            telemetry.WithTracing(tracing => tracing.AddOtlpExporter(o => o.Endpoint = otlp));
        return builder;
    }

    /// <summary>GET /metrics: the Prometheus text format of every instrument above.</summary>
    public static WebApplication MapSwarmMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }
}
