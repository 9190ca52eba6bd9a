using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class SystemToolTests(GatewayFixture fixture)
{
    [Fact]
    public async Task FeaturesDetect_ReportsRealRuntimeFacts()
    {
        var run = await fixture.Run(
            Tool("all", "features_detect", new { }),
            Tool("simd", "features_detect", new { category = "simd" }),
            Tool("wasm", "features_detect", new { category = "wasm" }));

        var all = run["all"].Success;
        Assert.Equal(Environment.Version.ToString(), all.GetProperty("platform").GetProperty("dotnetVersion").GetString());
        Assert.Equal(Environment.ProcessorCount, all.GetProperty("platform").GetProperty("processorCount").GetInt32());
        Assert.Equal(System.Numerics.Vector<float>.Count, all.GetProperty("simd").GetProperty("vectorFloatCount").GetInt32());
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx2.IsSupported, all.GetProperty("simd").GetProperty("avx2").GetBoolean());
        var cluster = all.GetProperty("cluster");
        Assert.Equal("embedded", cluster.GetProperty("role").GetString());
        Assert.Equal("sqlite", cluster.GetProperty("storage").GetString());
        Assert.Equal(1, cluster.GetProperty("siloCount").GetInt32());
        var neural = all.GetProperty("neural");
        Assert.True(neural.GetProperty("fannAvailable").GetBoolean(), "libfann should be installed here (scripts/prereqs.sh)");
        Assert.Contains("fann", neural.GetProperty("loadedPath").GetString());

        var simd = run["simd"].Success;
        Assert.Equal(JsonValueKind.Null, simd.GetProperty("platform").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, simd.GetProperty("simd").ValueKind);
        Assert.False(run["wasm"].Success.GetProperty("wasm").GetProperty("available").GetBoolean());
    }

    [Fact]
    public async Task BenchmarkRun_TimesRealOperations_AndCleansUp()
    {
        var before = await fixture.Run(Tool("s", "swarm_status", new { swarmId = await fixture.NewSwarm() }));
        var swarmsBefore = before["s"].Success.GetProperty("swarmCount").GetInt32();

        var run = await fixture.Run(
            Tool("all", "benchmark_run", new { iterations = 3 }),
            Tool("wasm", "benchmark_run", new { type = "wasm", iterations = 2 }),
            Tool("task", "benchmark_run", new { type = "task", iterations = 2 }),
            Tool("bench", "memory_usage", new { action = "list", @namespace = "bench" }));

        var all = run["all"].Success;
        var ops = all.GetProperty("operations").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!);
        Assert.Equal(["agent_spawn", "fann_run", "fann_train_epoch", "grain_round_trip", "storage_write", "swarm_create", "swarm_destroy", "task_complete", "task_orchestrate"], ops.Keys.Order());
        foreach (var op in ops.Values)
        {
            Assert.Equal(3, op.GetProperty("iterations").GetInt32());
            var min = op.GetProperty("minMs").GetDouble();
            var median = op.GetProperty("medianMs").GetDouble();
            var p90 = op.GetProperty("p90Ms").GetDouble();
            var max = op.GetProperty("maxMs").GetDouble();
            Assert.True(min > 0 && min <= median && median <= p90 && p90 <= max, op.ToString());
        }
        Assert.True(all.GetProperty("cleanedUp").GetBoolean());

        var wasm = run["wasm"].Success;
        Assert.Contains("not applicable", wasm.GetProperty("note").GetString());
        Assert.Equal(["fann_run", "fann_train_epoch"], wasm.GetProperty("operations").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        Assert.Equal(["task_complete", "task_orchestrate"], run["task"].Success.GetProperty("operations").EnumerateArray().Select(o => o.GetProperty("name").GetString()).Order());

        Assert.Equal(0, run["bench"].Success.GetProperty("total").GetInt32());
        var after = await fixture.Run(Tool("s", "swarm_status", new { }));
        Assert.Equal(swarmsBefore, after["s"].Success.GetProperty("swarmCount").GetInt32());
    }
}
