using System.Diagnostics;
using Xunit.Abstractions;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// ruv-swarm lost agents and tasks on restart. A gateway restarted on the same data directory must keep
/// swarms, agents, tasks, persisted memory and the trained network (same outputs for the same input).
/// Own processes (not the shared gateway): this test needs a fresh data directory and a restart.
/// </summary>
public sealed class RestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _dataDirectory = TestPaths.NewTempDirectory("restart");

    private static readonly double[] Input = Enumerable.Range(0, 128).Select(i => Math.Round(Math.Abs(Math.Cos(i * 0.37)), 4)).ToArray();

    [Fact]
    public async Task Restart_OnTheSameDataDirectory_KeepsEverything()
    {
        string swarmId, agentId, taskId, openTaskId, outputBefore;
        var first = await GatewayProcess.StartAsync(_dataDirectory);
        try
        {
            var run = await McpNodeClient.RunAsync(first.McpUrl,
                // A fresh cluster has no default swarm yet: a clear error, not a crash.
                Tool("noswarm", "agent_list", new { }),
                Tool("init", "swarm_init", new { topology = "ring", maxAgents = 4 }),
                Tool("a", "agent_spawn", new { type = "coder", name = "keeper", capabilities = new[] { "go" } }),
                Tool("b", "agent_spawn", new { type = "tester" }),
                Tool("t", "task_orchestrate", new { task = "port the service to go", requiredCapabilities = new[] { "go" } }),
                Tool("done", "task_complete", new { taskId = Ref("t"), success = true, output = "ported", quality = 0.9 }),
                Tool("open", "task_orchestrate", new { task = "write the tests" }),
                Tool("progress", "task_progress", new { taskId = Ref("open"), progress = 0.3, message = "started" }),
                Tool("train", "neural_train", new { iterations = 5 }),
                Tool("mem", "memory_usage", new { action = "store", @namespace = "restart", key = "decision", value = new { choice = "go", votes = 3 }, persist = true }),
                Tool("out", "neural_process", new { input = Input }));

            var noSwarm = run["noswarm"].ToolError("not_found");
            Assert.Equal("no swarm: call swarm_init first", run["noswarm"].Text);
            Assert.Equal(System.Text.Json.JsonValueKind.Null, noSwarm.GetProperty("parameter").ValueKind);

            swarmId = run["init"].Success.GetProperty("id").GetString()!;
            agentId = run["a"].Success.GetProperty("id").GetString()!;
            taskId = run["t"].Success.GetProperty("id").GetString()!;
            openTaskId = run["open"].Success.GetProperty("id").GetString()!;
            Assert.True(run["mem"].Success.GetProperty("durable").GetBoolean());
            Assert.Equal(5, run["train"].Success.GetProperty("totalEpochsTrained").GetInt32());
            outputBefore = run["out"].Success.GetProperty("output").ToString();
        }
        finally
        {
            var stopping = Stopwatch.StartNew();
            var exit = await first.StopAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"first start {first.StartupTime.TotalSeconds:0.0} s, stop {stopping.Elapsed.TotalSeconds:0.0} s");
            await first.DisposeAsync();
            Assert.True(exit == 0, $"gateway exited with {exit} on SIGTERM:\n{first.Tail()}");
        }

        await using var second = await GatewayProcess.StartAsync(_dataDirectory);
        output.WriteLine($"second start {second.StartupTime.TotalSeconds:0.0} s");
        var after = await McpNodeClient.RunAsync(second.McpUrl,
            Tool("status", "swarm_status", new { verbose = true }),
            Tool("agent", "agent_metrics", new { agentId }),
            Tool("task", "task_results", new { taskId, format = "detailed" }),
            Tool("open", "task_status", new { taskId = openTaskId, detailed = true }),
            Tool("mem", "memory_usage", new { action = "retrieve", @namespace = "restart", key = "decision" }),
            Tool("neural", "neural_status", new { }),
            Tool("out", "neural_process", new { input = Input }),
            Tool("finish", "task_complete", new { taskId = openTaskId, success = true }));

        var status = after["status"].Success;
        Assert.Equal(swarmId, status.GetProperty("swarmId").GetString()); // still the default swarm
        Assert.Equal("ring", status.GetProperty("swarm").GetProperty("topology").GetString());
        Assert.Equal(2, status.GetProperty("agents").GetProperty("total").GetInt32());
        Assert.Equal(1, status.GetProperty("tasks").GetProperty("completed").GetInt32());
        Assert.Equal(1, status.GetProperty("tasks").GetProperty("inProgress").GetInt32());
        Assert.Contains(status.GetProperty("agentDetails").EnumerateArray(), a => a.GetProperty("name").GetString() == "keeper");

        var agent = after["agent"].Success.GetProperty("agents")[0];
        Assert.Equal(1, agent.GetProperty("tasks").GetProperty("completed").GetInt32());

        var task = after["task"].Success;
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal("ported", task.GetProperty("results")[0].GetProperty("output").GetString());

        var open = after["open"].Success.GetProperty("tasks")[0];
        Assert.Equal("in_progress", open.GetProperty("status").GetString());
        Assert.Equal("started", open.GetProperty("progressHistory")[0].GetProperty("message").GetString());

        var memory = after["mem"].Success;
        Assert.True(memory.GetProperty("found").GetBoolean());
        Assert.Equal(3, memory.GetProperty("entry").GetProperty("value").GetProperty("votes").GetInt32());

        Assert.Equal(5, after["neural"].Success.GetProperty("network").GetProperty("epochsTrained").GetInt32());
        Assert.Equal(outputBefore, after["out"].Success.GetProperty("output").ToString());
        Assert.Equal("completed", after["finish"].Success.GetProperty("status").GetString());
        output.WriteLine($"calls after restart: {after.Elapsed.TotalSeconds:0.0} s (node included)");
    }

    public Task InitializeAsync()
    {
        McpNodeClient.EnsureInstalled();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }
}
