using System.Diagnostics;
using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using SwarmCluster.Hosting;
using Xunit.Abstractions;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// issue 14: every --stdio process on a data directory is a bridge to the one gateway that owns it (started in the
/// background when none runs), so all sessions share one set of swarms and one silo opens the SQLite file.
/// </summary>
public sealed class BridgeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int AgentsPerBridge = 3;
    private const int EntriesPerBridge = 3;
    private readonly string _dataDirectory = TestPaths.NewTempDirectory("bridge");

    [Fact]
    public async Task FiveBridgesStartedAtOnce_StartOneGateway_AndAllSeeEveryAgentAndEntry()
    {
        var clock = Stopwatch.StartNew();
        var bridges = Enumerable.Range(0, 5).Select(_ => Bridge()).ToList();
        try
        {
            await Task.WhenAll(bridges.Select(b => b.InitializeAsync()));
            output.WriteLine($"5 bridges answered initialize after {clock.Elapsed.TotalSeconds:0.0} s (one gateway started)");

            await SpawnAndStoreEverywhereAtOnce(bridges);

            var silos = DataDirectoryProcesses.Silos(_dataDirectory);
            Assert.Single(silos);
            var owner = DataDirectoryProcesses.Owner(_dataDirectory)!;
            Assert.Equal(silos[0], owner.Pid);
            Assert.Equal(DataDirectoryOwner.Ready, owner.State);
            Assert.True(owner.IsAlive);
            Assert.NotNull(owner.Bridge);
            Assert.DoesNotContain(bridges, b => b.Pid == owner.Pid);

            foreach (var bridge in bridges)
                Assert.Equal(0, await bridge.CloseInputAsync());
            Assert.Empty(bridges.SelectMany(b => b.Unmatched)); // no error line anywhere
            // The start lock let one bridge start the gateway; the other four waited and found it.
            Assert.Single(bridges, b => b.Stderr.Contains("started one in the background"));
        }
        finally
        {
            foreach (var bridge in bridges)
                await bridge.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("handoff")] // Linux: the gateway reads and writes the client's stdin and stdout itself
    [InlineData("relay")] // elsewhere: the bridge relays the lines
    public async Task BridgesOnTheDirectoryOfARunningHttpGateway_UseIt_AndStartNoSilo(string mode)
    {
        await using var gateway = await GatewayProcess.StartAsync(_dataDirectory);
        var bridges = Enumerable.Range(0, 3).Select(_ => Bridge(mode)).ToList();
        try
        {
            await Task.WhenAll(bridges.Select(b => b.InitializeAsync()));
            var swarmId = await SpawnAndStoreEverywhereAtOnce(bridges);

            // The one silo is the HTTP gateway's, and its HTTP clients see what the bridges wrote.
            Assert.Equal([gateway.Pid], DataDirectoryProcesses.Silos(_dataDirectory));
            Assert.Equal(gateway.Pid, DataDirectoryProcesses.Owner(_dataDirectory)!.Pid);
            Assert.Equal(gateway.McpUrl, DataDirectoryProcesses.Owner(_dataDirectory)!.Url);
            var http = await McpNodeClient.RunAsync(gateway.McpUrl, McpCall.Tool("agents", "agent_list", new { swarmId }));
            Assert.Equal(3 * AgentsPerBridge, http["agents"].Success.GetProperty("count").GetInt32());

            // A real MCP client (the Node SDK's stdio transport) through a bridge, as Claude starts one.
            var sdk = await McpNodeClient.RunStdioAsync(["--stdio", "--data-dir", _dataDirectory], BridgeEnvironment(mode),
                [McpCall.ListTools(), McpCall.Tool("agents", "agent_list", new { swarmId })]);
            Assert.Equal(ToolCatalogTests.AllTools.Order(), sdk["list"].Result.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order());
            Assert.Equal(3 * AgentsPerBridge, sdk["agents"].Success.GetProperty("count").GetInt32());
            Assert.Equal("swarmcluster", sdk.ServerInfo.GetProperty("name").GetString());

            foreach (var bridge in bridges)
                Assert.Equal(0, await bridge.CloseInputAsync());
            Assert.False(gateway.HasExited);
        }
        finally
        {
            foreach (var bridge in bridges)
                await bridge.DisposeAsync();
        }
    }

    [Fact]
    public async Task EchoIntoStdio_OnAColdMachine_StartsTheGateway_AndPrintsTheAnswer()
    {
        // The request is still in flight when stdin ends (echo closes it at once): it must be answered, then exit 0.
        const string request = """{"jsonrpc":"2.0","id":41,"method":"tools/call","params":{"name":"swarm_init","arguments":{"topology":"star","maxAgents":3}}}""";
        var (exit, stdout, stderr) = await ShellAsync($"echo '{request}' | dotnet '{TestPaths.GatewayDll}' --stdio --data-dir '{_dataDirectory}' --urls http://127.0.0.1:0");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var answer = Assert.Single(Lines(stdout));
        Assert.Equal(41, answer.GetProperty("id").GetInt32());
        Assert.Equal("star", StdioSession.Success(41, answer).GetProperty("topology").GetString());
        Assert.Contains("started one in the background", stderr);

        // Malformed lines are answered and the bridge stays up for the request after them.
        var lines = string.Join("\\n", [
            "this is not json",
            """{"id":1}""",
            """{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"capabilities":{}}}""",
            """{"jsonrpc":"2.0","id":3,"method":"ping"}""",
        ]);
        (exit, stdout, stderr) = await ShellAsync($"printf '{lines}\\n' | dotnet '{TestPaths.GatewayDll}' --stdio --data-dir '{_dataDirectory}'");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.DoesNotContain("started one", stderr); // the gateway from the first call served this one
        AssertMalformedInputAnswered(Lines(stdout));
        Assert.Single(DataDirectoryProcesses.Silos(_dataDirectory));
    }

    [Fact]
    public async Task BackgroundGateway_StopsWhenIdle_ButNeverWhileABridgeIsConnected()
    {
        var idle = new Dictionary<string, string> { ["SwarmCluster__IdleShutdownSeconds"] = "2" };
        var first = StdioSession.Start(["--stdio", "--data-dir", _dataDirectory, "--urls", "http://127.0.0.1:0"], idle);
        int pid;
        try
        {
            await first.InitializeAsync();
            await first.RequestAsync("ping", "ping"); // initialize may come from the build's greeting; ping needs the gateway
            pid = DataDirectoryProcesses.Owner(_dataDirectory)!.Pid;
            await Task.Delay(TimeSpan.FromSeconds(8)); // four idle limits with the bridge connected and silent
            await first.ToolAsync("after-idle", "swarm_init", new { topology = "ring", maxAgents = 2 });
            Assert.Equal(pid, DataDirectoryProcesses.Owner(_dataDirectory)!.Pid);
            Assert.Equal(0, await first.CloseInputAsync());
        }
        finally
        {
            await first.DisposeAsync();
        }

        Assert.True(await DataDirectoryProcesses.WaitForExitAsync(pid, TimeSpan.FromSeconds(60)), "the idle gateway did not stop");
        Assert.Equal(DataDirectoryOwner.Stopped, DataDirectoryProcesses.Owner(_dataDirectory)!.State);
        Assert.Contains("no bridge connected", await File.ReadAllTextAsync(Path.Combine(_dataDirectory, "gateway.log")));

        // The next session starts a new one, and the swarm made before is still there.
        await using var next = StdioSession.Start(["--stdio", "--data-dir", _dataDirectory, "--urls", "http://127.0.0.1:0"], idle);
        await next.InitializeAsync();
        var status = await next.ToolAsync("status", "swarm_status", new { });
        Assert.Equal("ring", status.GetProperty("swarm").GetProperty("topology").GetString());
        Assert.NotEqual(pid, DataDirectoryProcesses.Owner(_dataDirectory)!.Pid);
    }

    [Theory]
    [InlineData("handoff", 15)] // SIGTERM: the gateway hands the client back to its bridge
    [InlineData("handoff", 9)] // SIGKILL: the bridge finds the socket closed
    [InlineData("relay", 9)]
    public async Task TheGatewayGoingAway_MidSession_TheBridgeCarriesOnWithTheNextOne(string mode, int signal)
    {
        await using var bridge = Bridge(mode);
        await bridge.InitializeAsync();
        await bridge.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        var swarm = await bridge.ToolAsync("swarm", "swarm_init", new { topology = "hierarchical", maxAgents = 3 });
        var first = DataDirectoryProcesses.Owner(_dataDirectory)!.Pid;

        Assert.Equal(0, DataDirectoryProcesses.Signal(first, signal));
        Assert.True(await DataDirectoryProcesses.WaitForExitAsync(first, TimeSpan.FromSeconds(60)));

        // The same session goes on: the next gateway gets the client's initialize replayed, and the swarm is stored.
        var status = await bridge.ToolAsync("status", "swarm_status", new { swarmId = swarm.GetProperty("id").GetString() });
        Assert.Equal("hierarchical", status.GetProperty("swarm").GetProperty("topology").GetString());
        var second = DataDirectoryProcesses.Owner(_dataDirectory)!;
        Assert.NotEqual(first, second.Pid);
        Assert.True(second.IsAlive);
        Assert.Equal(0, await bridge.CloseInputAsync());
        Assert.Empty(bridge.Unmatched);
    }

    [Fact]
    public async Task ConnectUrl_ForwardsEachMessageOverHttp_AndNamesAnUnreachableGateway()
    {
        await using var gateway = await GatewayProcess.StartAsync(_dataDirectory);
        var lines = string.Join("\\n", [
            """{"jsonrpc":"2.0","id":"i","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
            """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
            """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"swarm_init","arguments":{"topology":"mesh","maxAgents":2}}}""",
            """{"jsonrpc":"2.0","id":8,"method":"no/such/method"}""",
        ]);
        var (exit, stdout, stderr) = await ShellAsync($"printf '{lines}\\n' | dotnet '{TestPaths.GatewayDll}' --stdio --connect {gateway.McpUrl}");
        Assert.True(exit == 0, stderr);
        var answers = Lines(stdout);
        Assert.Equal(3, answers.Count); // the notification gets no answer
        Assert.Equal("swarmcluster", answers.Single(a => a.GetProperty("id").ValueKind == JsonValueKind.String)
            .GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
        Assert.Equal("mesh", StdioSession.Success(7, answers.Single(a => a.GetProperty("id").ValueKind == JsonValueKind.Number && a.GetProperty("id").GetInt32() == 7))
            .GetProperty("topology").GetString());
        Assert.Equal(-32601, answers.Single(a => a.GetProperty("id").ValueKind == JsonValueKind.Number && a.GetProperty("id").GetInt32() == 8)
            .GetProperty("error").GetProperty("code").GetInt32());

        var closed = $"http://127.0.0.1:{GatewayProcess.FreePort()}/mcp";
        (exit, stdout, _) = await ShellAsync($"echo '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}}' | dotnet '{TestPaths.GatewayDll}' --stdio --connect {closed}");
        Assert.Equal(0, exit);
        var error = Assert.Single(Lines(stdout)).GetProperty("error");
        Assert.Equal(-32603, error.GetProperty("code").GetInt32());
        Assert.Contains($"The SwarmCluster gateway at {closed} is unreachable", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task AStaleOwnerRecord_OfADeadProcess_IsTakenOver()
    {
        // What kill -9 of a gateway leaves behind: silo.json saying "ready" for a pid that is gone.
        using (var dead = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            await dead.WaitForExitAsync();
            await File.WriteAllTextAsync(Path.Combine(_dataDirectory, DataDirectoryLock.OwnerFileName),
                $$"""{"pid":{{dead.Id}},"state":"ready","url":"http://127.0.0.1:1/mcp","bridge":"{{_dataDirectory}}/bridge.sock"}""");
        }
        await File.WriteAllTextAsync(Path.Combine(_dataDirectory, DataDirectoryLock.LockFileName), "");

        await using var bridge = Bridge();
        await bridge.InitializeAsync();
        await bridge.ToolAsync("swarm", "swarm_init", new { topology = "mesh", maxAgents = 2 });
        var owner = DataDirectoryProcesses.Owner(_dataDirectory)!;
        Assert.True(owner.IsAlive);
        Assert.Equal(Assert.Single(DataDirectoryProcesses.Silos(_dataDirectory)), owner.Pid);
    }

    /// <summary>Each bridge spawns agents and stores entries, every call of every bridge in flight at once; then each sees all.</summary>
    private async Task<string> SpawnAndStoreEverywhereAtOnce(IReadOnlyList<StdioSession> bridges)
    {
        // The same requestId from every bridge: one swarm, whoever comes first.
        var inits = await Task.WhenAll(bridges.Select((b, i) =>
            b.ToolAsync($"init-{i}", "swarm_init", new { topology = "mesh", maxAgents = 40, requestId = "issue14-shared" })));
        var swarmId = inits[0].GetProperty("id").GetString()!;
        Assert.All(inits, init => Assert.Equal(swarmId, init.GetProperty("id").GetString()));

        var calls = new List<Task<JsonElement>>();
        for (var b = 0; b < bridges.Count; b++)
        {
            for (var k = 0; k < AgentsPerBridge; k++)
                calls.Add(bridges[b].ToolAsync($"spawn-{b}-{k}", "agent_spawn", new { swarmId, type = "coder", name = $"bridge{b}-agent{k}" }));
            for (var k = 0; k < EntriesPerBridge; k++)
                calls.Add(bridges[b].ToolAsync($"store-{b}-{k}", "memory_usage",
                    new { action = "store", @namespace = "issue14", key = $"bridge{b}/entry{k}", value = new { b, k }, persist = true }));
        }
        await Task.WhenAll(calls);

        var expectedAgents = Enumerable.Range(0, bridges.Count).SelectMany(b => Enumerable.Range(0, AgentsPerBridge).Select(k => $"bridge{b}-agent{k}")).Order().ToList();
        var expectedKeys = Enumerable.Range(0, bridges.Count).SelectMany(b => Enumerable.Range(0, EntriesPerBridge).Select(k => $"bridge{b}/entry{k}")).Order().ToList();
        for (var b = 0; b < bridges.Count; b++)
        {
            var agents = await bridges[b].ToolAsync($"agents-{b}", "agent_list", new { swarmId });
            Assert.Equal(expectedAgents, agents.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("name").GetString()).Order());
            var memory = await bridges[b].ToolAsync($"memory-{b}", "memory_usage", new { action = "list", @namespace = "issue14" });
            Assert.Equal(expectedKeys, memory.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("key").GetString()).Order());
        }
        return swarmId;
    }

    /// <summary>The answers to: not JSON, {"id":1}, initialize without protocolVersion/clientInfo, ping.</summary>
    internal static void AssertMalformedInputAnswered(IReadOnlyList<JsonElement> answers)
    {
        Assert.Equal(4, answers.Count);
        var parse = answers.Single(a => a.GetProperty("id").ValueKind == JsonValueKind.Null);
        Assert.Equal(-32700, parse.GetProperty("error").GetProperty("code").GetInt32());

        var byId = answers.Where(a => a.GetProperty("id").ValueKind == JsonValueKind.Number).ToDictionary(a => a.GetProperty("id").GetInt32());
        var invalid = byId[1].GetProperty("error");
        Assert.Equal(-32600, invalid.GetProperty("code").GetInt32());
        Assert.Contains("\"method\" is missing", invalid.GetProperty("message").GetString());
        Assert.Contains("\"jsonrpc\" must be \"2.0\"", invalid.GetProperty("message").GetString());

        var initialize = byId[2].GetProperty("error");
        Assert.Equal(-32602, initialize.GetProperty("code").GetInt32());
        Assert.Contains("params.protocolVersion", initialize.GetProperty("message").GetString());
        Assert.Contains("params.clientInfo", initialize.GetProperty("message").GetString());
        Assert.DoesNotContain("params.capabilities", initialize.GetProperty("message").GetString());

        Assert.True(byId[3].TryGetProperty("result", out _), byId[3].ToString());
    }

    internal static IReadOnlyList<JsonElement> Lines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    internal static async Task<(int Exit, string Stdout, string Stderr)> ShellAsync(string script)
    {
        var info = StdioSession.StartInfo([], null);
        info.FileName = "/bin/sh";
        info.ArgumentList.Clear();
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.RedirectStandardInput = false;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private StdioSession Bridge(string mode = "handoff") =>
        StdioSession.Start(["--stdio", "--data-dir", _dataDirectory, "--urls", "http://127.0.0.1:0"], BridgeEnvironment(mode));

    private static Dictionary<string, string> BridgeEnvironment(string mode)
    {
        var info = StdioSession.StartInfo([], null);
        var environment = info.Environment.Where(e => e.Key.StartsWith("SwarmCluster__", StringComparison.Ordinal) && e.Value is not null)
            .ToDictionary(e => e.Key, e => e.Value!);
        environment["SWARM_BRIDGE_MODE"] = mode;
        return environment;
    }

    public Task InitializeAsync()
    {
        McpNodeClient.EnsureInstalled();
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => DataDirectoryProcesses.StopAndDeleteAsync(_dataDirectory);
}
