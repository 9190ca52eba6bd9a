namespace SwarmCluster.Gateway.Tests.Infrastructure;

/// <summary>One gateway process shared by every test of the "gateway" collection (starting one takes seconds).</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    private string? _dataDirectory;

    public GatewayProcess Gateway { get; private set; } = null!;

    public string McpUrl => Gateway.McpUrl;

    public async Task InitializeAsync()
    {
        McpNodeClient.EnsureInstalled();
        _dataDirectory = TestPaths.NewTempDirectory("shared");
        Gateway = await GatewayProcess.StartAsync(_dataDirectory);
    }

    public async Task DisposeAsync()
    {
        if (Gateway is not null)
            await Gateway.DisposeAsync();
        try
        {
            if (_dataDirectory is not null)
                Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public Task<McpRun> Run(params McpCall[] calls) => McpNodeClient.RunAsync(McpUrl, calls);

    public Task<McpRun> RunConcurrently(IEnumerable<McpCall> calls) => McpNodeClient.RunAsync(McpUrl, calls, concurrent: true);

    /// <summary>A fresh swarm for one test, so tests never depend on each other's state or on the default swarm.</summary>
    public async Task<string> NewSwarm(int maxAgents = 10, string topology = "mesh", string strategy = "balanced")
    {
        var run = await Run(McpCall.Tool("init", "swarm_init", new { topology, maxAgents, strategy }));
        return run["init"].Success.GetProperty("id").GetString()!;
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
