using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Tests.Unit;

public class TaskRouterTests
{
    private static readonly RoutingCandidate Coder = new("agent-coder", 0, AgentType.Coder, ["coding", "api"], 0);
    private static readonly RoutingCandidate Tester = new("agent-tester", 1, AgentType.Tester, ["testing"], 0);

    [Fact]
    public void Capability_match_picks_the_specialist()
    {
        var (decision, chosen) = TaskRouter.Route(new TaskSpec("write unit tests for the parser"), DistributionStrategy.Specialized, [Coder, Tester], null, 1);
        Assert.Equal(["agent-tester"], chosen);
        Assert.Equal(RoutingMethod.CapabilityMatch, decision.Method);
        Assert.Equal(2, decision.Ranking.Count);
        Assert.All(decision.Ranking, s => Assert.Null(s.NetworkScore));
        Assert.Contains("capability", decision.Reason);
    }

    [Fact]
    public void Balanced_puts_an_idle_agent_before_a_busy_specialist()
    {
        var busyTester = Tester with { ActiveTasks = 1 };
        var (_, balanced) = TaskRouter.Route(new TaskSpec("write unit tests"), DistributionStrategy.Balanced, [Coder, busyTester], null, 1);
        Assert.Equal(["agent-coder"], balanced);
        var (_, specialized) = TaskRouter.Route(new TaskSpec("write unit tests"), DistributionStrategy.Specialized, [Coder, busyTester], null, 1);
        Assert.Equal(["agent-tester"], specialized);
    }

    [Fact]
    public void Required_capabilities_filter_candidates()
    {
        var (decision, chosen) = TaskRouter.Route(new TaskSpec("anything", RequiredCapabilities: ["testing"]), DistributionStrategy.Balanced, [Coder, Tester], null, 2);
        Assert.Equal(["agent-tester"], chosen);
        Assert.Single(decision.Ranking);
        var (_, none) = TaskRouter.Route(new TaskSpec("anything", RequiredCapabilities: ["gpu"]), DistributionStrategy.Balanced, [Coder, Tester], null, 1);
        Assert.Empty(none);
    }

    [Fact]
    public void Network_scores_rank_when_given()
    {
        var (decision, chosen) = TaskRouter.Route(new TaskSpec("write unit tests"), DistributionStrategy.Specialized, [Coder, Tester], [0.9f, 0.1f], 1);
        Assert.Equal(RoutingMethod.Network, decision.Method);
        Assert.Equal(["agent-coder"], chosen);
        Assert.Equal(0.9, decision.Ranking[0].NetworkScore!.Value, 5);
    }

    [Fact]
    public void Ties_go_to_the_lower_slot()
    {
        var a = new RoutingCandidate("agent-a", 0, AgentType.Coder, ["general"], 0);
        var b = new RoutingCandidate("agent-b", 1, AgentType.Coder, ["general"], 0);
        Assert.Equal(["agent-a"], TaskRouter.Route(new TaskSpec("something"), DistributionStrategy.Adaptive, [b, a], null, 1).Chosen);
    }
}
