using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class NeuralToolTests(GatewayFixture fixture)
{
    private static double[] Vector(int length, double seed) => Enumerable.Range(0, length).Select(i => Math.Round((Math.Sin(i * seed) + 1) / 2, 4)).ToArray();

    [Fact]
    public async Task Status_TrainOnOutcomes_TrainOnSamples_Process()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 3);
        var run = await fixture.Run(
            Tool("a", "agent_spawn", new { type = "coder", swarmId = swarm }),
            Tool("b", "agent_spawn", new { type = "analyst", swarmId = swarm }),
            Tool("status0", "neural_status", new { swarmId = swarm }),
            Tool("untrained", "neural_train", new { swarmId = swarm, iterations = 3 }),
            Tool("t", "task_orchestrate", new { task = "profile the database queries", swarmId = swarm }),
            Tool("c", "task_complete", new { taskId = Ref("t"), success = true, quality = 1.0 }),
            Tool("outcomes", "neural_train", new { swarmId = swarm, iterations = 4 }),
            Tool("samples", "neural_train", new
            {
                swarmId = swarm,
                iterations = 2,
                samples = new[] { new { input = Vector(128, 0.1), target = new[] { 1.0, 0.0, 0.0 } }, new { input = Vector(128, 0.2), target = new[] { 0.0, 1.0, 0.0 } } },
            }),
            Tool("byAgent", "neural_status", new { agentId = Ref("b") }),
            Tool("one", "neural_process", new { swarmId = swarm, input = Vector(128, 0.1) }),
            Tool("batch", "neural_process", new { swarmId = swarm, inputs = new[] { Vector(128, 0.1), Vector(128, 0.3) } }),
            Tool("custom", "neural_process", new { swarmId = swarm, input = Vector(128, 0.1), network = "custom" }),
            Tool("badNetwork", "neural_process", new { swarmId = swarm, input = Vector(128, 0.1), network = "queen" }));

        var status0 = run["status0"].Success.GetProperty("network");
        Assert.Equal([128, 64, 32, 3], status0.GetProperty("layers").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal("sigmoidsymmetric", status0.GetProperty("hiddenActivation").GetString());
        var learning0 = status0.GetProperty("learning");
        Assert.Equal(10, learning0.GetProperty("trainEveryOutcomes").GetInt32());
        Assert.Equal(0, learning0.GetProperty("trainings").GetInt32());
        Assert.Equal(JsonValueKind.Null, learning0.GetProperty("heldOutAccuracy").ValueKind);
        Assert.Equal("incremental", status0.GetProperty("trainingAlgorithm").GetString());
        Assert.Equal(0, status0.GetProperty("epochsTrained").GetInt32());
        Assert.Equal(JsonValueKind.Null, status0.GetProperty("lastMse").ValueKind);

        run["untrained"].ToolError("invalid_argument", "no task outcomes recorded");

        var outcomes = run["outcomes"].Success;
        Assert.Equal("recorded_outcomes", outcomes.GetProperty("source").GetString());
        Assert.Equal(4, outcomes.GetProperty("epochMse").GetArrayLength());
        Assert.Equal(1, outcomes.GetProperty("samples").GetInt32());
        Assert.Equal(4, outcomes.GetProperty("totalEpochsTrained").GetInt32());

        var supplied = run["samples"].Success;
        // Supplied samples train the custom network: the routing network keeps its 4 epochs.
        Assert.Equal("supplied", supplied.GetProperty("source").GetString());
        Assert.Equal("custom", supplied.GetProperty("network").GetString());
        Assert.Equal("routing", outcomes.GetProperty("network").GetString());
        Assert.Equal(2, supplied.GetProperty("epochMse").GetArrayLength());
        Assert.Equal(2, supplied.GetProperty("totalEpochsTrained").GetInt32());
        Assert.Equal(supplied.GetProperty("epochMse")[1].GetDouble(), supplied.GetProperty("finalMse").GetDouble());

        var byAgent = run["byAgent"].Success;
        Assert.Equal(swarm, byAgent.GetProperty("swarmId").GetString());
        Assert.Equal(1, byAgent.GetProperty("agent").GetProperty("slot").GetInt32());
        Assert.Equal(4, byAgent.GetProperty("network").GetProperty("epochsTrained").GetInt32());
        Assert.Equal(1, byAgent.GetProperty("network").GetProperty("recordedSamples").GetInt32());
        Assert.Equal(2, byAgent.GetProperty("network").GetProperty("custom").GetProperty("epochsTrained").GetInt32());
        var history = byAgent.GetProperty("network").GetProperty("learning").GetProperty("history");
        Assert.Equal("manual", history[0].GetProperty("trigger").GetString());

        var one = run["one"].Success;
        Assert.Equal(3, one.GetProperty("output").GetArrayLength());
        Assert.All(one.GetProperty("output").EnumerateArray(), x => Assert.InRange(x.GetDouble(), 0, 1));
        Assert.Equal(2, one.GetProperty("slots").GetArrayLength());
        var batch = run["batch"].Success;
        Assert.Equal(2, batch.GetProperty("count").GetInt32());
        // Same network, same input: the batch's first row equals the single run.
        Assert.Equal(one.GetProperty("output").ToString(), batch.GetProperty("outputs")[0].ToString());
        Assert.Equal("routing", one.GetProperty("network").GetString());
        Assert.Equal("custom", run["custom"].Success.GetProperty("network").GetString());
        Assert.NotEqual(one.GetProperty("output").ToString(), run["custom"].Success.GetProperty("output").ToString());
        run["badNetwork"].ToolError("invalid_argument", "network");
    }

    [Fact]
    public async Task Patterns_ListRealAgents_AndAbstractHasNone()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 3);
        var run = await fixture.Run(
            Tool("a", "agent_spawn", new { type = "coder", cognitivePattern = "divergent", swarmId = swarm }),
            Tool("b", "agent_spawn", new { type = "coder", cognitivePattern = "systems", swarmId = swarm }),
            Tool("all", "neural_patterns", new { swarmId = swarm }),
            Tool("divergent", "neural_patterns", new { pattern = "divergent", swarmId = swarm }),
            Tool("abstract", "neural_patterns", new { pattern = "abstract" }));

        var all = run["all"].Success;
        Assert.Equal(7, all.GetProperty("patterns").GetArrayLength());
        Assert.Equal(2, all.GetProperty("agentsScanned").GetInt32());
        Assert.Contains("documentation", all.GetProperty("note").GetString());

        var divergent = run["divergent"].Success.GetProperty("patterns");
        Assert.Equal(1, divergent.GetArrayLength());
        Assert.Equal(run["a"].Success.GetProperty("id").GetString(), divergent[0].GetProperty("agents")[0].GetProperty("agentId").GetString());

        var @abstract = run["abstract"].Success.GetProperty("patterns")[0];
        Assert.False(@abstract.GetProperty("supported").GetBoolean());
        Assert.Equal(0, @abstract.GetProperty("agentCount").GetInt32());
        Assert.Contains("no SwarmCluster agent can carry it", @abstract.GetProperty("description").GetString());
    }
}
