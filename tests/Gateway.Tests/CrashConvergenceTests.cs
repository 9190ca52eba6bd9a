using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using SwarmCluster.Tests.Shared;
using Xunit.Abstractions;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// kill -9 of the embedded default (one process, SQLite) at random points while workers claim, report and complete
/// a 60-task graph: after the last restart every invariant holds and every acknowledged result is there.
/// </summary>
public sealed class CrashConvergenceTests(ITestOutputHelper output)
{
    private const int Workers = 4;
    private const int Kills = 3;

    [Fact]
    public async Task Killing_the_embedded_process_at_random_points_leaves_a_consistent_swarm()
    {
        var seed = Environment.GetEnvironmentVariable("SWARM_KILL_SEED") is { } s ? int.Parse(s) : Environment.TickCount & 0xFFFF;
        output.WriteLine($"seed {seed} (rerun with SWARM_KILL_SEED={seed})");
        var random = new Random(seed);
        var dataDirectory = TestPaths.NewTempDirectory("crash");
        var port = GatewayProcess.FreePort();
        var gateway = await GatewayProcess.StartAsync(dataDirectory, port: port);
        using var client = new GatewayClient(gateway.BaseUrl);
        try
        {
            var run = Guid.NewGuid().ToString("n")[..8];
            var swarm = (await client.RequireAsync("swarm_init", new { topology = "mesh", maxAgents = Workers, requestId = $"{run}-swarm" })).GetProperty("id").GetString()!;
            var agents = new List<string>();
            for (var w = 0; w < Workers; w++)
            {
                agents.Add((await client.RequireAsync("agent_spawn", new { type = "coder", swarmId = swarm, requestId = $"{run}-agent-{w}" })).GetProperty("id").GetString()!);
            }

            var ids = new List<string>();
            for (var i = 0; i < 60; i++)
            {
                var layer = i / 10;
                var deps = layer == 0 ? [] : Enumerable.Range(0, random.Next(1, 3)).Select(_ => ids[(layer - 1) * 10 + random.Next(10)]).Distinct().ToArray();
                ids.Add((await client.RequireAsync("task_orchestrate", new
                {
                    task = $"stage {layer} item {i}", dependsOn = deps, assign = false, maxAttempts = 20, swarmId = swarm, requestId = $"{run}-task-{i}",
                })).GetProperty("id").GetString()!);
            }

            var acknowledged = new ConcurrentBag<(string TaskId, string Output)>();
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(() => WorkAsync(client, swarm, agents[w], $"{run}-w{w}", acknowledged, stop.Token))).ToList();

            var kills = new List<string>();
            for (var k = 0; k < Kills && workers.Any(t => !t.IsCompleted); k++)
            {
                // A random point inside each stretch of the work, so every kill lands mid-workflow.
                var after = k * 60 / (Kills + 1) + 1 + random.Next(60 / (Kills + 1) - 1);
                while (acknowledged.Count < after && workers.Any(t => !t.IsCompleted))
                {
                    await Task.Delay(5);
                }

                await Task.Delay(random.Next(150));
                var clock = Stopwatch.StartNew();
                await gateway.KillAsync();
                await gateway.DisposeAsync();
                gateway = await GatewayProcess.StartAsync(dataDirectory, port: port);
                kills.Add($"kill {k + 1} after {after}+ acknowledged results; back in {clock.ElapsedMilliseconds} ms, {acknowledged.Count} acknowledged by then");
            }

            await Task.WhenAll(workers);
            output.WriteLine(string.Join("\n", kills));
            Assert.Equal(Kills, kills.Count);

            var status = await client.RequireAsync("swarm_status", new { swarmId = swarm });
            var tasks = await client.RequireAsync("task_status", new { swarmId = swarm, detailed = true });
            var listed = await client.RequireAsync("agent_list", new { swarmId = swarm });
            var problems = SwarmInvariants.Check(status, tasks, listed, acknowledged);
            Assert.True(problems.Count == 0, $"seed {seed}: " + string.Join("\n", problems));
            Assert.Equal(60, status.GetProperty("tasks").GetProperty("completed").GetInt32());
            Assert.Equal(60, acknowledged.Select(a => a.TaskId).Distinct().Count());
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    /// <summary>claim → progress → complete until nothing is left; every call retried with its request id until answered.</summary>
    private static async Task WorkAsync(GatewayClient client, string swarm, string agent, string name, ConcurrentBag<(string, string)> acknowledged, CancellationToken ct)
    {
        for (var n = 0; !ct.IsCancellationRequested; n++)
        {
            var claim = await Answered(client, "task_claim", new { agentId = agent, swarmId = swarm, leaseSeconds = 8, requestId = $"{name}-claim-{n}" }, ct);
            if (!claim.GetProperty("claimed").GetBoolean())
            {
                var queue = claim.GetProperty("queue");
                if (queue.GetProperty("ready").GetInt32() + queue.GetProperty("blocked").GetInt32() + queue.GetProperty("assigned").GetInt32() + queue.GetProperty("inProgress").GetInt32() == 0)
                {
                    return;
                }

                await Task.Delay(100, ct);
                continue;
            }

            var taskId = claim.GetProperty("task").GetProperty("id").GetString()!;
            await client.CallAsync("task_progress", new { taskId, agentId = agent, progress = 0.5, message = "halfway" }, cancellationToken: ct);
            await Task.Delay(150, ct);
            var output = $"{taskId} by {name}";
            var done = await client.CallAsync("task_complete", new { taskId, agentId = agent, success = true, output, requestId = $"{name}-done-{taskId}" }, cancellationToken: ct);
            while (done.Status is 0 or 503)
            {
                await Task.Delay(200, ct);
                done = await client.CallAsync("task_complete", new { taskId, agentId = agent, success = true, output, requestId = $"{name}-done-{taskId}" }, cancellationToken: ct);
            }

            if (done.Ok)
            {
                acknowledged.Add((taskId, output));
            }
        }
    }

    private static async Task<JsonElement> Answered(GatewayClient client, string tool, object arguments, CancellationToken ct)
    {
        while (true)
        {
            var call = await client.CallAsync(tool, arguments, cancellationToken: ct);
            if (call.Ok)
            {
                return call.Body;
            }

            if (call.Status is not (0 or 503))
            {
                throw new InvalidOperationException(call.Describe());
            }

            await Task.Delay(200, ct);
        }
    }
}
