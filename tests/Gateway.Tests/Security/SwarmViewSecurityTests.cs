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
        // Tenants of their own (JWTs name them), so the other tests' counts of acme's and globex's swarms stay theirs.
        var before = await Scrape();
        var mine = f.Token(f.JwksKey, tenant: "viewer_a", scope: "read write", subject: "ann@viewer-a");
        var created = await f.Mcp(mine, Tool("init", "swarm_init", new { topology = "mesh", maxAgents = 2 }));
        var ownSwarm = created["init"].Success.GetProperty("id").GetString()!;
        var other = await f.Mcp(f.Token(f.JwksKey, tenant: "viewer_b", scope: "write", subject: "bob@viewer-b"),
            Tool("init", "swarm_init", new { topology = "mesh", maxAgents = 2 }));
        var otherSwarm = other["init"].Success.GetProperty("id").GetString()!;

        foreach (var path in new[] { "/", "/swarms", "/swarms/swarms.js", "/swarms/api/cluster", $"/swarms/api/swarms/{ownSwarm}" })
        {
            var (status, _) = await Get(path, null);
            Assert.True(status == HttpStatusCode.Unauthorized, $"{path} without credentials: {(int)status}");
            (status, _) = await Get(path, "not-a-key");
            Assert.True(status == HttpStatusCode.Unauthorized, $"{path} with a bad key: {(int)status}");
        }

        // A read-only token of the first tenant: the page and its swarms, never the other tenant's.
        var reader = f.Token(f.JwksKey, tenant: "viewer_a", scope: "read", subject: "carol@viewer-a");
        Assert.Equal(HttpStatusCode.OK, (await Get("/swarms", reader)).Status);
        var (clusterStatus, cluster) = await Get("/swarms/api/cluster", reader);
        Assert.Equal(HttpStatusCode.OK, clusterStatus);
        var listed = cluster.GetProperty("swarms").EnumerateArray().Select(s => s.GetProperty("info").GetProperty("id").GetString()).ToList();
        Assert.Contains(ownSwarm, listed);
        Assert.DoesNotContain(otherSwarm, listed);
        var (own, view) = await Get($"/swarms/api/swarms/{ownSwarm}", reader);
        Assert.Equal(HttpStatusCode.OK, own);
        Assert.Equal(ownSwarm, view.GetProperty("status").GetProperty("info").GetProperty("id").GetString());
        var (foreign, error) = await Get($"/swarms/api/swarms/{otherSwarm}", reader);
        Assert.Equal(HttpStatusCode.NotFound, foreign);
        Assert.Equal("not_found", error.GetProperty("error").GetProperty("kind").GetString());

        // /metrics: open, counts the 401s above (10 requests), and carries no swarm id.
        var after = await Scrape();
        Assert.True(after.Sum("swarmcluster_refusals_total", ("reason", "unauthenticated")) - before.Sum("swarmcluster_refusals_total", ("reason", "unauthenticated")) >= 10);
        Assert.DoesNotContain(ownSwarm, after.Text);
        Assert.DoesNotContain(otherSwarm, after.Text);
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
