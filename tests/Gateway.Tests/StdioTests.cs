using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// --stdio --private: the same tools over stdin/stdout from this process's own silo, stdout carrying JSON-RPC only;
/// the same front as a bridge (malformed lines answered, every request answered before exit), and a data directory
/// no other silo may share.
/// </summary>
public sealed class StdioTests : IAsyncLifetime
{
    private readonly string _dataDirectory = TestPaths.NewTempDirectory("stdio");

    [Fact]
    public async Task PrivateStdio_AnswersToolsList_WithOnlyJsonOnStdout()
    {
        await using var stdio = StdioSession.Start("--stdio", "--private", "--data-dir", _dataDirectory);
        var initialize = await stdio.InitializeAsync();
        await stdio.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        var tools = await stdio.RequestAsync(2, "tools/list");
        var swarm = await stdio.ToolAsync(3, "swarm_init", new { topology = "star", maxAgents = 2 });
        var ping = await stdio.RequestAsync(4, "ping");
        // The first tools/list may come from the build's greeting; the session keeps its own first and answers the rest from it.
        var toolsAgain = await stdio.RequestAsync("again", "tools/list");
        var toolsKept = await stdio.RequestAsync("kept", "tools/list");

        Assert.Equal("swarmcluster", initialize.GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
        var names = tools.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString());
        Assert.Equal(ToolCatalogTests.AllTools.Order(), names.Order());
        Assert.Equal("kept", toolsKept.GetProperty("id").GetString());
        Assert.True(JsonElement.DeepEquals(tools.GetProperty("result"), toolsAgain.GetProperty("result")));
        Assert.True(JsonElement.DeepEquals(toolsAgain.GetProperty("result"), toolsKept.GetProperty("result")));
        Assert.Equal("star", swarm.GetProperty("topology").GetString());
        Assert.True(ping.TryGetProperty("result", out _));
        Assert.Equal(0, await stdio.CloseInputAsync()); // end of input: the server and its silo shut down
        Assert.Empty(stdio.Unmatched);
        Assert.Contains("Orleans", stdio.Stderr); // the logs went to stderr
        Assert.Empty(DataDirectoryProcesses.Silos(_dataDirectory)); // no gateway was started for it
    }

    [Fact]
    public async Task PrivateStdio_AnswersEveryRequestReadBeforeEndOfInput_AndMalformedLines()
    {
        // printf closes stdin at once: the tool call is in flight while the silo is still starting.
        var lines = string.Join("\\n", [
            "this is not json",
            """{"id":1}""",
            """{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"capabilities":{}}}""",
            """{"jsonrpc":"2.0","id":3,"method":"ping"}""",
            """{"jsonrpc":"2.0","id":"last","method":"tools/call","params":{"name":"swarm_init","arguments":{"topology":"ring","maxAgents":2}}}""",
        ]);
        var (exit, stdout, stderr) = await BridgeTests.ShellAsync(
            $"printf '{lines}\\n' | dotnet '{TestPaths.GatewayDll}' --stdio --private --data-dir '{_dataDirectory}'");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var answers = BridgeTests.Lines(stdout);
        static bool IsLast(JsonElement a) => a.GetProperty("id") is { ValueKind: JsonValueKind.String } id && id.GetString() == "last";
        Assert.Equal("ring", StdioSession.Success("last", Assert.Single(answers, IsLast)).GetProperty("topology").GetString());
        BridgeTests.AssertMalformedInputAnswered(answers.Where(a => !IsLast(a)).ToList());
    }

    [Fact]
    public async Task PrivateStdio_OpensFromTheBuildsGreeting_AndTellsEachCallWhyItsSiloDidNotStart()
    {
        // Its options are refused, so the host never starts; the session opens all the same (initialize and
        // tools/list come from the build's record), and the calls after it get the reason.
        await using var stdio = StdioSession.Start(["--stdio", "--private", "--data-dir", _dataDirectory],
            new Dictionary<string, string> { ["SwarmCluster__SupervisionPeriod"] = "00:00:00.1" });
        var initialize = await stdio.InitializeAsync();
        Assert.Equal("swarmcluster", initialize.GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
        await stdio.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        var tools = await stdio.RequestAsync(2, "tools/list");
        Assert.Equal(ToolCatalogTests.AllTools.Order(), tools.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order());
        foreach (var id in new[] { 3, 4 })
        {
            var call = await stdio.RequestAsync(id, "tools/call", new { name = "swarm_init", arguments = new { topology = "mesh" } });
            var message = call.GetProperty("error").GetProperty("message").GetString()!;
            Assert.True(message.Contains("did not start") && message.Contains("SupervisionPeriod"), message);
        }

        Assert.Equal(1, await stdio.CloseInputAsync()); // then it exits as a refused start does
        Assert.Contains("swarmcluster: not started:", stdio.Stderr);
    }

    [Fact]
    public async Task ASecondSiloOnALockedDirectory_FailsNamingTheOwner()
    {
        await using var gateway = await GatewayProcess.StartAsync(_dataDirectory);

        var (exit, stdout, stderr) = await BridgeTests.ShellAsync(
            $"dotnet '{TestPaths.GatewayDll}' --stdio --private --data-dir '{_dataDirectory}' </dev/null");
        Assert.Equal(3, exit);
        Assert.Empty(stdout);
        Assert.Contains($"'{_dataDirectory}' is already in use by process {gateway.Pid} (gateway at {gateway.McpUrl})", stderr);

        // A second HTTP gateway is refused the same way, and the first one keeps serving.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayProcess.StartAsync(_dataDirectory));
        Assert.Contains($"is already in use by process {gateway.Pid}", error.Message);
        var run = await McpNodeClient.RunAsync(gateway.McpUrl, McpCall.Ping());
        Assert.True(run["ping"].Ok);
    }

    [Fact]
    public async Task ABridgeOnThePrivateSilosDirectory_IsToldWhoHoldsIt()
    {
        await using var owner = StdioSession.Start("--stdio", "--private", "--data-dir", _dataDirectory);
        await owner.InitializeAsync(); // answered from the build's greeting, possibly before the silo is up
        await DataDirectoryProcesses.ReadyOwnerAsync(_dataDirectory);

        var (exit, stdout, stderr) = await BridgeTests.ShellAsync(
            $"echo '{{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}}' | dotnet '{TestPaths.GatewayDll}' --stdio --data-dir '{_dataDirectory}'");
        Assert.True(exit == 0, stderr);
        var error = Assert.Single(BridgeTests.Lines(stdout)).GetProperty("error");
        Assert.Equal(-32603, error.GetProperty("code").GetInt32());
        Assert.Contains($"used by process {owner.Pid}, a private --stdio silo that takes no bridges", error.GetProperty("message").GetString());
        Assert.Empty(DataDirectoryProcesses.Silos(_dataDirectory)); // the bridge started no gateway either
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => DataDirectoryProcesses.StopAndDeleteAsync(_dataDirectory);
}
