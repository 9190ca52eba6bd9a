using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using SwarmCluster.Hosting;

namespace SwarmCluster.Silo.Tests;

/// <summary>MapSwarmClusterEndpoints on a real WebApplication: /healthz and the dashboard.</summary>
public class HealthEndpointTests
{
    [Fact]
    public async Task Embedded_silo_serves_healthz_and_dashboard()
    {
        using var dir = new TempDirectory();
        var port = TestEnvironment.FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = dir.Path });
        var settings = SiloHost.Settings(TestEnvironment.UniqueId("health"), dir.Path);
        settings["Urls"] = $"http://127.0.0.1:{port}";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddFilter(level => level >= LogLevel.Warning);
        builder.AddSwarmClusterSilo(SiloRole.Embedded);
        await using var app = builder.Build();
        app.MapSwarmClusterEndpoints();
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var response = await http.GetAsync("/healthz");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);

            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            Assert.Equal("ok", root.GetProperty("status").GetString());
            Assert.Equal("embedded", root.GetProperty("role").GetString());
            Assert.Equal("Active", root.GetProperty("siloStatus").GetString());
            Assert.Equal("Localhost", root.GetProperty("clustering").GetString());
            Assert.Equal("Sqlite", root.GetProperty("storage").GetString());
            Assert.Equal(1, root.GetProperty("activeSilos").GetInt32());
            Assert.Equal(1, root.GetProperty("activeWorkers").GetInt32());

            var dashboard = await http.GetAsync("/dashboard/");
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
            Assert.Contains("html", (await dashboard.Content.ReadAsStringAsync()).ToLowerInvariant());
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
