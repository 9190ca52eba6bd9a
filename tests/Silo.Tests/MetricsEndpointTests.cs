using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Hosting;

namespace SwarmCluster.Silo.Tests;

/// <summary>A worker silo serves /metrics too: Orleans' and the runtime's instruments and ours for the grains it hosts.</summary>
public class MetricsEndpointTests
{
    [Fact]
    public async Task Worker_silo_serves_prometheus_metrics_of_its_grains()
    {
        using var dir = new TempDirectory();
        var port = TestEnvironment.FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = dir.Path });
        var settings = SiloHost.Settings(TestEnvironment.UniqueId("metrics"), dir.Path);
        settings["Urls"] = $"http://127.0.0.1:{port}";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddFilter(level => level >= LogLevel.Warning);
        builder.AddSwarmClusterSilo(SiloRole.Worker);
        await using var app = builder.Build();
        app.MapSwarmClusterEndpoints();
        await app.StartAsync();
        try
        {
            // A memory namespace activated on this worker holds one entry of 11 bytes of JSON.
            var memory = app.Services.GetRequiredService<IGrainFactory>().GetGrain<IMemoryGrain>(GrainKeys.Memory("metrics-ns"));
            await memory.Store(new MemoryWrite("k", "{\"a\":12345}"));

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var response = await http.GetAsync("/metrics");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            var lines = body.Split('\n');
            // The totals are process-wide: namespaces of other silos in this test process may add to them.
            Assert.True(Value(lines, "swarmcluster_memory_entries") >= 1, body);
            Assert.True(Value(lines, "swarmcluster_memory_bytes") >= 11, body);
            Assert.Contains(lines, l => l.StartsWith("orleans_catalog_activations", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("dotnet_gc_", StringComparison.Ordinal));
            Assert.Contains("service_name=\"swarmcluster-worker\"", body);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static double Value(string[] lines, string name) =>
        lines.Where(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));
}
