using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using SwarmCluster.Gateway.Tests.Telemetry;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests.Security;

/// <summary>
/// The swarm view behind the same authentication as /mcp: 401 without credentials, a tenant sees only its own swarms;
/// /metrics stays open like /healthz, counts the refusals and names no swarm.
/// </summary>
[Collection(SecuredGatewayCollection.Name)]
public sealed class SwarmViewSecurityTests(SecuredGatewayFixture f)
{
    [Fact]
    public async Task View_needs_credentials_and_shows_a_tenant_only_its_swarms_while_metrics_stay_open_and_count_refusals()
    {
        var before = await Scrape();
        var acme = await f.Mcp(f.Key("acme-writer"), Tool("init", "swarm_init", new { topology = "mesh", maxAgents = 2 }));
        var acmeSwarm = acme["init"].Success.GetProperty("id").GetString()!;
        var globex = await f.Mcp(f.Key("globex-writer"), Tool("init", "swarm_init", new { topology = "mesh", maxAgents = 2 }));
        var globexSwarm = globex["init"].Success.GetProperty("id").GetString()!;

        foreach (var path in new[] { "/", "/swarms", "/swarms/swarms.js", "/swarms/api/cluster", $"/swarms/api/swarms/{acmeSwarm}" })
        {
            var (status, _) = await Get(path, null);
            Assert.True(status == HttpStatusCode.Unauthorized, $"{path} without credentials: {(int)status}");
            (status, _) = await Get(path, "not-a-key");
            Assert.True(status == HttpStatusCode.Unauthorized, $"{path} with a bad key: {(int)status}");
        }

        // acme's read key: the page and acme's swarms, never globex's.
        var reader = f.Key("acme-reader");
        Assert.Equal(HttpStatusCode.OK, (await Get("/swarms", reader)).Status);
        var (clusterStatus, cluster) = await Get("/swarms/api/cluster", reader);
        Assert.Equal(HttpStatusCode.OK, clusterStatus);
        var listed = cluster.GetProperty("swarms").EnumerateArray().Select(s => s.GetProperty("info").GetProperty("id").GetString()).ToList();
        Assert.Contains(acmeSwarm, listed);
        Assert.DoesNotContain(globexSwarm, listed);
        var (own, view) = await Get($"/swarms/api/swarms/{acmeSwarm}", reader);
        Assert.Equal(HttpStatusCode.OK, own);
        Assert.Equal(acmeSwarm, view.GetProperty("status").GetProperty("info").GetProperty("id").GetString());
        var (other, error) = await Get($"/swarms/api/swarms/{globexSwarm}", reader);
        Assert.Equal(HttpStatusCode.NotFound, other);
        Assert.Equal("not_found", error.GetProperty("error").GetProperty("kind").GetString());

        // /metrics: open, counts the 401s above (10 requests), and carries no swarm id.
        var after = await Scrape();
        Assert.True(after.Sum("swarmcluster_refusals_total", ("reason", "unauthenticated")) - before.Sum("swarmcluster_refusals_total", ("reason", "unauthenticated")) >= 10);
        Assert.DoesNotContain(acmeSwarm, after.Text);
        Assert.DoesNotContain(globexSwarm, after.Text);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Get(string path, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, f.Gateway.BaseUrl + path);
        if (key is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await f.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.TrimStart().StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response.StatusCode, body);
    }

    private async Task<PrometheusScrape> Scrape()
    {
        using var response = await f.Http.GetAsync(f.Gateway.BaseUrl + "/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new PrometheusScrape(await response.Content.ReadAsStringAsync());
    }
}
