using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmCluster.Gateway.Tests.Infrastructure;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// issue 12 (cold start): a gateway records how it opens a bridge session (its initialize and tools/list answers) in
/// the data directory, and the build writes the same next to the binaries; a bridge that has to start the gateway
/// answers those from the record while it starts, and hands everything else to the gateway once it is up.
/// </summary>
public sealed class BridgeGreetingTests : IAsyncLifetime
{
    private readonly string _dataDirectory = TestPaths.NewTempDirectory("greeting");

    private string GreetingPath => Path.Combine(_dataDirectory, "bridge-greeting.json");

    /// <summary>The one the build wrote next to the gateway's binaries.</summary>
    private static string BuildGreetingPath => Path.Combine(Path.GetDirectoryName(TestPaths.GatewayDll)!, "bridge-greeting.json");

    [Fact]
    public async Task TheGreetings_OfTheGatewayAndOfTheBuild_AreWhatTheGatewayAnswers()
    {
        JsonElement liveInitialize, liveTools;
        await using (var gateway = await GatewayProcess.StartAsync(_dataDirectory))
        {
            await WaitForGreetingAsync();
            await using var bridge = Bridge();
            liveInitialize = await bridge.InitializeAsync();
            await bridge.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
            liveTools = await bridge.RequestAsync("tools", "tools/list");
            Assert.Equal(0, await bridge.CloseInputAsync());
        }

        // Both records hold the gateway's own answers: the same JSON.
        foreach (var path in new[] { GreetingPath, BuildGreetingPath })
        {
            var greeting = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(liveTools.GetProperty("result").GetRawText()), greeting["toolsList"]), path);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(liveInitialize.GetProperty("result").GetRawText()), greeting["initialize"]!["2025-06-18"]), path);
        }
    }

    [Fact]
    public async Task AFirstSessionOnANewDirectory_OpensFromTheBuildsGreeting_EvenWhenNoGatewayCanStart()
    {
        Assert.False(File.Exists(GreetingPath));

        // No gateway can start (its options are refused), yet the session opens: the answers come from the build's
        // record. The first call then gets the reason the gateway did not start.
        await using var cold = Bridge(new() { ["SwarmCluster__SupervisionPeriod"] = "00:00:00.1" });
        var initialize = await cold.InitializeAsync();
        Assert.Equal("swarmcluster", initialize.GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
        // The refused gateway has exited by now (it does within a second or two): its failure must not end the opening.
        await Task.Delay(TimeSpan.FromSeconds(4));
        await cold.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        var tools = await cold.RequestAsync("tools", "tools/list");
        Assert.Equal(ToolCatalogTests.AllTools.Order(), tools.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order());
        var call = await cold.RequestAsync("call", "tools/call", new { name = "swarm_init", arguments = new { topology = "mesh" } });
        var message = call.GetProperty("error").GetProperty("message").GetString();
        Assert.Contains("exited with code", message);
        Assert.True(message!.Contains("SupervisionPeriod"), message);
        Assert.Equal(0, await cold.CloseInputAsync());
        Assert.Null(LiveOwner());
    }

    [Theory]
    [InlineData("handoff")]
    [InlineData("relay")]
    public async Task AColdBridge_OpensFromTheGreeting_ThenTheGatewayItStartedServesTheSession(string mode)
    {
        await using (await GatewayProcess.StartAsync(_dataDirectory))
            await WaitForGreetingAsync();
        Assert.Null(LiveOwner());

        await using var bridge = Bridge(new() { ["SWARM_BRIDGE_MODE"] = mode });
        await bridge.InitializeAsync();
        await bridge.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        var tools = await bridge.RequestAsync("tools", "tools/list");
        Assert.Equal(ToolCatalogTests.AllTools.Count(), tools.GetProperty("result").GetProperty("tools").GetArrayLength());

        // Calls need the gateway: the bridge waits for the one it started and hands it the session (initialize replayed).
        var swarm = await bridge.ToolAsync("swarm", "swarm_init", new { topology = "star", maxAgents = 3 });
        var status = await bridge.ToolAsync("status", "swarm_status", new { swarmId = swarm.GetProperty("id").GetString() });
        Assert.Equal("star", status.GetProperty("swarm").GetProperty("topology").GetString());
        Assert.NotNull(LiveOwner());
        Assert.Equal(0, await bridge.CloseInputAsync());
        Assert.Empty(bridge.Unmatched);
    }

    [Fact]
    public async Task AGreetingOfAnotherBuild_IsIgnored()
    {
        await using (await GatewayProcess.StartAsync(_dataDirectory))
            await WaitForGreetingAsync();
        var greeting = JsonNode.Parse(await File.ReadAllTextAsync(GreetingPath))!;
        greeting["build"] = Guid.NewGuid().ToString();
        greeting["toolsList"] = JsonNode.Parse("""{"tools":[{"name":"from_another_build","inputSchema":{"type":"object"}}]}""");
        await File.WriteAllTextAsync(GreetingPath, greeting.ToJsonString());

        await using var bridge = Bridge();
        await bridge.InitializeAsync();
        var tools = await bridge.RequestAsync("tools", "tools/list");
        var names = tools.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.DoesNotContain("from_another_build", names);
        Assert.Equal(ToolCatalogTests.AllTools.Count(), names.Count);

        // That gateway, of this build, replaced the record with its own.
        Assert.DoesNotContain("from_another_build", await WaitForGreetingAsync(g => !g.Contains("from_another_build")));
        Assert.Equal(0, await bridge.CloseInputAsync());
    }

    private StdioSession Bridge(Dictionary<string, string>? environment = null) =>
        StdioSession.Start(["--stdio", "--data-dir", _dataDirectory, "--urls", "http://127.0.0.1:0"], environment);

    private DataDirectoryOwner? LiveOwner() => DataDirectoryProcesses.Owner(_dataDirectory) is { IsAlive: true } owner ? owner : null;

    private Task WaitForGreetingAsync() => WaitForGreetingAsync(_ => true);

    private async Task<string> WaitForGreetingAsync(Func<string, bool> accept)
    {
        for (var i = 0; i < 300; i++)
        {
            if (File.Exists(GreetingPath) && await File.ReadAllTextAsync(GreetingPath) is var text && accept(text))
                return text;
            await Task.Delay(100);
        }
        throw new TimeoutException($"no bridge greeting in {_dataDirectory} after 30 s");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => DataDirectoryProcesses.StopAndDeleteAsync(_dataDirectory);
}
