using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using SwarmCluster.Gateway.Tests.Infrastructure;
using SwarmCluster.Hosting;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests.Telemetry;

/// <summary>
/// The gateway's HTTP host built in this process (the same registrations as GatewayHost: embedded silo, tools,
/// telemetry) with OpenTelemetry's in-memory exporter, driven by the real Node MCP client: one tool call gives
/// one "tools/call {tool}" span with the grain calls it made as its descendants, in one trace.
/// </summary>
public sealed class ToolTraceTests : IAsyncLifetime
{
    private readonly List<Activity> _spans = [];
    private string _dataDirectory = null!;
    private WebApplication _app = null!;
    private string _mcpUrl = null!;

    public async Task InitializeAsync()
    {
        McpNodeClient.EnsureInstalled();
        _dataDirectory = TestPaths.NewTempDirectory("trace");
        var url = $"http://127.0.0.1:{GatewayProcess.FreePort()}";
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--urls", url, "--data-dir", _dataDirectory],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration["SwarmCluster:SiloPort"] = GatewayProcess.FreePort().ToString();
        builder.Configuration["SwarmCluster:GatewayPort"] = "0";
        builder.Configuration["SwarmCluster:Dashboard"] = "false";
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddSwarmClusterSilo(SiloRole.Embedded);
        builder.Services.AddSwarmGateway(builder.Configuration, "http").WithHttpTransport(o => o.Stateless = true);
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(_spans));
        _app = builder.Build();
        _app.MapSwarmClusterEndpoints();
        _app.MapMcp(GatewayHost.McpPath);
        await _app.StartAsync();
        _mcpUrl = url + GatewayHost.McpPath;
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task ToolCall_IsOneSpan_WithItsGrainCallsAsChildren()
    {
        var run = await McpNodeClient.RunAsync(_mcpUrl, Tool("init", "swarm_init", new { topology = "star", maxAgents = 2 }));
        var swarm = run["init"].Success.GetProperty("id").GetString();

        // Spans end (and are exported) when their work is done: wait for the tool span to arrive.
        Activity? tool = null;
        for (var i = 0; i < 50 && tool is null; i++)
        {
            lock (_spans)
                tool = _spans.FirstOrDefault(s => s.DisplayName == "tools/call swarm_init");
            if (tool is null)
                await Task.Delay(100);
        }

        Assert.NotNull(tool);
        Assert.Equal(SwarmTelemetry.McpSourceName, tool.Source.Name);
        Assert.Equal("tools/call", tool.GetTagItem("mcp.method.name"));
        Assert.Equal("swarm_init", tool.GetTagItem("gen_ai.tool.name"));
        Assert.Equal("execute_tool", tool.GetTagItem("gen_ai.operation.name"));
        Assert.Null(tool.GetTagItem("error.type"));

        List<Activity> trace;
        lock (_spans)
            trace = _spans.Where(s => s.TraceId == tool.TraceId).ToList();
        var byId = trace.ToDictionary(s => s.SpanId);
        bool Under(Activity span)
        {
            for (var parent = span.ParentSpanId; byId.TryGetValue(parent, out var p); parent = p.ParentSpanId)
                if (p.SpanId == tool.SpanId)
                    return true;
            return false;
        }

        var grainCalls = trace.Where(s => SwarmTelemetry.OrleansSourceNames.Contains(s.Source.Name) && Under(s)).ToList();
        var names = string.Join(", ", trace.Select(s => $"{s.Source.Name}:{s.DisplayName}"));
        // swarm_init asks the swarm grain to initialize and registers it: both calls are in the tool's trace.
        Assert.Contains(grainCalls, s => s.DisplayName.Contains("ISwarmGrain", StringComparison.Ordinal) && s.DisplayName.Contains("Initialize", StringComparison.Ordinal));
        Assert.True(grainCalls.Any(s => s.DisplayName.Contains("IRegistryGrain", StringComparison.Ordinal)), $"no registry call under the tool span: {names}");
        Assert.NotNull(swarm);
    }
}
