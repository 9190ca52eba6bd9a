using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class QueenToolTests(GatewayFixture fixture)
{
    private const string Objective = "Build a REST API for invoices with tests and documentation";

    [Fact]
    public async Task Plan_IsDeterministic_AndCreateWithQueenBuildsThatPlan()
    {
        var run = await fixture.Run(
            Tool("plan1", "swarm_plan", new { objective = Objective }),
            Tool("plan2", "swarm_plan", new { objective = Objective }),
            Tool("ring", "swarm_plan", new { objective = Objective, topology = "ring", maxAgents = 3 }),
            Tool("hive", "swarm_create_with_queen", new { objective = Objective }),
            Tool("status", "swarm_status", new { swarmId = Ref("hive", "swarmId") }),
            Tool("destroy", "swarm_destroy", new { swarmId = Ref("hive", "swarmId") }));

        var plan = run["plan1"].Success;
        Assert.Equal(plan.ToString(), run["plan2"].Success.ToString());
        Assert.NotEmpty(plan.GetProperty("rationale").EnumerateArray());
        Assert.Equal("ring", run["ring"].Success.GetProperty("topology").GetString());
        Assert.True(run["ring"].Success.GetProperty("maxAgents").GetInt32() <= 3);

        var hive = run["hive"].Success;
        Assert.StartsWith("swarm-", hive.GetProperty("swarmId").GetString());
        Assert.Equal(plan.GetProperty("agents").GetArrayLength(), hive.GetProperty("agents").GetArrayLength());
        Assert.Equal(plan.GetProperty("tasks").GetArrayLength(), hive.GetProperty("tasks").GetArrayLength());
        var status = run["status"].Success;
        Assert.Equal(hive.GetProperty("agents").GetArrayLength(), status.GetProperty("agents").GetProperty("total").GetInt32());
        Assert.Equal(Objective, status.GetProperty("swarm").GetProperty("objective").GetString());
        _ = run["destroy"].Success;
    }
}
