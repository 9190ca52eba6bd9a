using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;

namespace SwarmCluster.Gateway.Tests;

/// <summary>The REST mirror (POST /mcp/{tool}) and the Host/Origin check, over plain HTTP.</summary>
[Collection(GatewayCollection.Name)]
public sealed class HttpSurfaceTests(GatewayFixture fixture) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private string Url(string path) => fixture.Gateway.BaseUrl + path;

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string tool, string? json)
    {
        using var content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(Url("/mcp/" + tool), content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task RestMirror_ReturnsTheToolResult_WithHttpStatuses()
    {
        var (status, swarm) = await Post("swarm_init", """{"topology":"star","maxAgents":1}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var swarmId = swarm.GetProperty("id").GetString();
        Assert.Equal("star", swarm.GetProperty("topology").GetString());

        Assert.Equal(HttpStatusCode.OK, (await Post("agent_spawn", $$"""{"type":"coder","swarmId":"{{swarmId}}"}""")).Status);
        var (full, fullBody) = await Post("agent_spawn", $$"""{"type":"coder","swarmId":"{{swarmId}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, full);
        Assert.Equal("capacity_exceeded", fullBody.GetProperty("error").GetProperty("kind").GetString());

        var (bad, badBody) = await Post("swarm_init", """{"topology":"cube"}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal("topology", badBody.GetProperty("error").GetProperty("parameter").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("swarm_init", "[1,2]")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("swarm_init", "{not json")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("swarm_init", null)).Status); // topology is required

        Assert.Equal(HttpStatusCode.NotFound, (await Post("task_results", """{"taskId":"task-nothere"}""")).Status);
        var (unknown, unknownBody) = await Post("no_such_tool", "{}");
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Contains("unknown tool 'no_such_tool'", unknownBody.GetProperty("error").GetProperty("message").GetString());

        var (t, task) = await Post("task_orchestrate", $$"""{"task":"rest task","swarmId":"{{swarmId}}"}""");
        Assert.Equal(HttpStatusCode.OK, t);
        var taskId = task.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await Post("task_complete", $$"""{"taskId":"{{taskId}}","success":true}""")).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await Post("task_complete", $$"""{"taskId":"{{taskId}}","success":true}""")).Status);

        // No arguments at all: an empty body is an empty argument object.
        var (features, body) = await Post("features_detect", null);
        Assert.Equal(HttpStatusCode.OK, features);
        Assert.Equal("all", body.GetProperty("category").GetString());
    }

    [Fact]
    public async Task RestMirror_AndMcp_GiveTheSameResultShape()
    {
        var swarmId = await fixture.NewSwarm(maxAgents: 2);
        var (_, rest) = await Post("swarm_status", $$"""{"swarmId":"{{swarmId}}"}""");
        var mcp = (await fixture.Run(McpCall.Tool("s", "swarm_status", new { swarmId })))["s"].Success;
        Assert.Equal(mcp.EnumerateObject().Select(p => p.Name), rest.EnumerateObject().Select(p => p.Name));
        Assert.Equal(mcp.GetProperty("swarm").ToString(), rest.GetProperty("swarm").ToString());
    }

    [Theory]
    [InlineData("evil.example", null, HttpStatusCode.Forbidden)]
    [InlineData("localhost", "http://evil.example", HttpStatusCode.Forbidden)]
    [InlineData("localhost", null, HttpStatusCode.OK)]
    [InlineData("127.0.0.1", "http://localhost:3000", HttpStatusCode.Forbidden)] // another port is another origin
    [InlineData("[::1]", null, HttpStatusCode.OK)]
    public async Task HostAndOrigin_AreChecked(string host, string? origin, HttpStatusCode expected)
    {
        foreach (var path in new[] { "/mcp/features_detect", "/mcp" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url(path));
            request.Headers.Host = $"{host}:{fixture.Gateway.Port}";
            if (origin is not null)
                request.Headers.Add("Origin", origin);
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Content = path == "/mcp"
                ? JsonContent.Create(new { jsonrpc = "2.0", id = 1, method = "ping" })
                : new StringContent("{}", Encoding.UTF8, "application/json");
            using var response = await _http.SendAsync(request);
            Assert.True(expected == response.StatusCode, $"{path} with Host {host}, Origin {origin}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Healthz_StaysOpenForProbes_AndTheDashboardIsServed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url("/healthz"));
        request.Headers.Host = "10.1.2.3";
        using var health = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var dashboard = await _http.GetAsync(Url("/dashboard/"));
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
    }

    public void Dispose() => _http.Dispose();
}
