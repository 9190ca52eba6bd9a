using System.Globalization;
using SwarmCluster.Gateway.Tests.Infrastructure;
using SwarmCluster.Gateway.Tests.Telemetry;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// Long tools report MCP progress to a client that passes a progressToken (the Node SDK's onprogress) and stop
/// when the client cancels.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ProgressTests(GatewayFixture fixture)
{
    [Fact]
    public async Task NeuralTrain_ReportsEachPartWithItsMse()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 2);
        var run = await fixture.Run(
            Tool("a", "agent_spawn", new { type = "coder", swarmId = swarm }),
            Tool("t", "task_orchestrate", new { task = "index the logs", swarmId = swarm }),
            Tool("c", "task_complete", new { taskId = Ref("t"), success = true, quality = 1.0 }),
            ToolWithProgress("train", "neural_train", new { swarmId = swarm, iterations = 25 }),
            Tool("quiet", "neural_train", new { swarmId = swarm, iterations = 2 }));

        var result = run["train"].Success;
        var mse = result.GetProperty("epochMse").EnumerateArray().Select(e => (float)e.GetDouble()).ToList();
        Assert.Equal(25, mse.Count);
        Assert.Equal(25, result.GetProperty("totalEpochsTrained").GetInt32());

        // 25 epochs in parts of 3: after epochs 3, 6, …, 24 and 25, each with the MSE of that epoch.
        var progress = run["train"].Progress;
        int[] expected = [3, 6, 9, 12, 15, 18, 21, 24, 25];
        Assert.Equal(expected, progress.Select(p => (int)p.GetProperty("progress").GetDouble()));
        Assert.All(progress, p => Assert.Equal(25, p.GetProperty("total").GetDouble()));
        foreach (var p in progress)
        {
            var epoch = (int)p.GetProperty("progress").GetDouble();
            Assert.Equal($"epoch {epoch} of 25: MSE {mse[epoch - 1].ToString("G6", CultureInfo.InvariantCulture)}", p.GetProperty("message").GetString());
        }

        // No progressToken, no notifications (and one training call).
        Assert.Empty(run["quiet"].Progress);
        Assert.Equal(27, run["quiet"].Success.GetProperty("totalEpochsTrained").GetInt32());
    }

    [Fact]
    public async Task BenchmarkRun_ReportsEachTimedOperation()
    {
        var run = await fixture.Run(ToolWithProgress("bench", "benchmark_run", new { type = "swarm", iterations = 2 }));
        var operations = run["bench"].Success.GetProperty("operations").EnumerateArray().Select(o => o.GetProperty("name").GetString()).ToList();
        var progress = run["bench"].Progress;
        Assert.Equal([1.0, 2.0, 3.0], progress.Select(p => p.GetProperty("progress").GetDouble()));
        Assert.All(progress, p => Assert.Equal(3, p.GetProperty("total").GetDouble()));
        // Each notification names the operation just timed, in order.
        Assert.Equal(operations, progress.Select(p => p.GetProperty("message").GetString()!.Split(' ')[0]));
    }

    [Fact]
    public async Task SwarmMonitor_ReportsEverySample_AndStopsWhenCancelled()
    {
        var swarm = await fixture.NewSwarm();
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        var before = await Cancelled(http);

        var run = await fixture.Run(ToolWithProgress("monitor", "swarm_monitor", new { swarmId = swarm, duration = 30, interval = 0.5 }, cancelAfter: 3));

        var monitor = run["monitor"];
        Assert.False(monitor.Ok, "a cancelled call must not answer");
        Assert.True(monitor.Ms < 10_000, $"the client waited {monitor.Ms} ms for a call it cancelled");
        Assert.True(monitor.Progress.Count >= 3);
        Assert.All(monitor.Progress, p => Assert.Equal(61, p.GetProperty("total").GetDouble()));
        Assert.Equal([1.0, 2.0, 3.0], monitor.Progress.Take(3).Select(p => p.GetProperty("progress").GetDouble()));
        Assert.StartsWith("sample 1 of 61", monitor.Progress[0].GetProperty("message").GetString());

        // The server stopped the 30 s window too: the call is counted as cancelled well before it would have ended.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await Cancelled(http) == before && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.Equal(before + 1, await Cancelled(http));
    }

    private static async Task<double> Cancelled(HttpClient http) =>
        new PrometheusScrape(await http.GetStringAsync("/metrics")).Sum("swarmcluster_tool_calls_total", ("tool", "swarm_monitor"), ("outcome", "cancelled"));
}
