using System.Text;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests.Telemetry;

/// <summary>
/// /metrics on a gateway of its own (so every figure is this test's doing): real tool calls through the Node
/// MCP client and the REST mirror move our counters by exactly what was done.
/// </summary>
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private string _dataDirectory = null!;
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        McpNodeClient.EnsureInstalled();
        _dataDirectory = TestPaths.NewTempDirectory("metrics");
        _gateway = await GatewayProcess.StartAsync(_dataDirectory);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Scrape_AfterRealToolCalls_CountsWhatWasDone()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_gateway.BaseUrl) };
        var before = await Scrape(http);

        // Stored as their JSON text: {"plan":"ship it"} and [1,2,3].
        var value1 = new { plan = "ship it" };
        var value2 = new[] { 1, 2, 3 };
        var run = await McpNodeClient.RunAsync(_gateway.McpUrl,
            Tool("init", "swarm_init", new { topology = "mesh", maxAgents = 3 }),
            Tool("agent", "agent_spawn", new { type = "coder", swarmId = Ref("init") }),
            Tool("t1", "task_orchestrate", new { task = "write the parser", swarmId = Ref("init"), assign = false }),
            Tool("t2", "task_orchestrate", new { task = "test the parser", swarmId = Ref("init"), assign = false, dependsOn = new[] { Ref("t1") } }),
            Tool("claim", "task_claim", new { agentId = Ref("agent"), leaseSeconds = 60 }),
            Tool("done", "task_complete", new { taskId = Ref("t1"), success = true, quality = 0.9 }),
            Tool("train", "neural_train", new { swarmId = Ref("init"), iterations = 3 }),
            Tool("m1", "memory_usage", new { action = "store", key = "plan", value = value1, @namespace = "metrics-test" }),
            Tool("m2", "memory_usage", new { action = "store", key = "list", value = value2, @namespace = "metrics-test" }),
            Tool("bad", "swarm_init", new { topology = "blob" }));
        foreach (var id in new[] { "init", "agent", "t1", "t2", "claim", "done", "train", "m1", "m2" })
            _ = run[id].Success;
        run["bad"].ToolError("invalid_argument");

        // The REST mirror is counted the same way.
        using var rest = await http.PostAsync("/mcp/swarm_status", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.True(rest.IsSuccessStatusCode, await rest.Content.ReadAsStringAsync());

        var after = await Scrape(http);
        double Delta(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);

        Assert.Equal(1, Delta("swarmcluster_tool_calls_total", ("tool", "swarm_init"), ("outcome", "ok")));
        Assert.Equal(1, Delta("swarmcluster_tool_calls_total", ("tool", "swarm_init"), ("outcome", "invalid_argument")));
        Assert.Equal(2, Delta("swarmcluster_tool_calls_total", ("tool", "task_orchestrate"), ("outcome", "ok")));
        Assert.Equal(1, Delta("swarmcluster_tool_calls_total", ("tool", "swarm_status"), ("outcome", "ok")));
        Assert.Equal(11, Delta("swarmcluster_tool_calls_total"));
        Assert.Equal(11, Delta("swarmcluster_tool_duration_seconds_count"));
        Assert.True(Delta("swarmcluster_tool_duration_seconds_sum") > 0);

        Assert.Equal(2, Delta("swarmcluster_task_events_total", ("event", "created")));
        Assert.Equal(1, Delta("swarmcluster_task_events_total", ("event", "claimed")));
        Assert.Equal(1, Delta("swarmcluster_task_events_total", ("event", "completed")));
        Assert.Equal(1, Delta("swarmcluster_task_claims_total"));

        Assert.Equal(1, Delta("swarmcluster_training_runs_total", ("network", "routing"), ("trigger", "manual")));
        Assert.Equal(3, Delta("swarmcluster_training_epochs_total", ("network", "routing"), ("trigger", "manual")));
        var finalMse = run["train"].Success.GetProperty("finalMse").GetDouble();
        Assert.Equal(finalMse, after.Sum("swarmcluster_training_last_mse", ("network", "routing"), ("trigger", "manual")), 5);

        Assert.Equal(2, Delta("swarmcluster_memory_entries"));
        var stored = run["m1"].Success.GetProperty("entry").GetProperty("sizeBytes").GetInt32() + run["m2"].Success.GetProperty("entry").GetProperty("sizeBytes").GetInt32();
        Assert.Equal("{\"plan\":\"ship it\"}".Length + "[1,2,3]".Length, stored);
        Assert.Equal(stored, Delta("swarmcluster_memory_bytes"));

        // The platform's meters are there too: Orleans, ASP.NET Core, the runtime.
        Assert.True(after.Has("orleans_"), "no Orleans instruments in /metrics");
        Assert.True(after.Has("http_server_request_duration_seconds"), "no ASP.NET Core instruments in /metrics");
        Assert.True(after.Has("process_runtime_dotnet_") || after.Has("dotnet_"), "no runtime instruments in /metrics");
    }

    private static async Task<PrometheusScrape> Scrape(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"/metrics answered {(int)response.StatusCode}: {text}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType ?? "");
        return new PrometheusScrape(text);
    }
}
