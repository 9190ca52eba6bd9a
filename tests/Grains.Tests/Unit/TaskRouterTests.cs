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
        var (decision, chosen) = TaskRouter.Route(new TaskText("write unit tests for the parser"), DistributionStrategy.Specialized, [Coder, Tester], null, 1);
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
        var (_, balanced) = TaskRouter.Route(new TaskText("write unit tests"), DistributionStrategy.Balanced, [Coder, busyTester], null, 1);
        Assert.Equal(["agent-coder"], balanced);
        var (_, specialized) = TaskRouter.Route(new TaskText("write unit tests"), DistributionStrategy.Specialized, [Coder, busyTester], null, 1);
        Assert.Equal(["agent-tester"], specialized);
    }

    [Fact]
    public void Required_capabilities_filter_candidates()
    {
        var (decision, chosen) = TaskRouter.Route(new TaskText("anything", requiredCapabilities: ["testing"]), DistributionStrategy.Balanced, [Coder, Tester], null, 2);
        Assert.Equal(["agent-tester"], chosen);
        Assert.Single(decision.Ranking);
        var (_, none) = TaskRouter.Route(new TaskText("anything", requiredCapabilities: ["gpu"]), DistributionStrategy.Balanced, [Coder, Tester], null, 1);
        Assert.Empty(none);
    }

    [Fact]
    public void Network_scores_rank_when_given()
    {
        var (decision, chosen) = TaskRouter.Route(new TaskText("write unit tests"), DistributionStrategy.Specialized, [Coder, Tester], [0.9f, 0.1f], 1);
        Assert.Equal(RoutingMethod.Network, decision.Method);
        Assert.Equal(["agent-coder"], chosen);
        Assert.Equal(0.9, decision.Ranking[0].NetworkScore!.Value, 5);
    }

    [Fact]
    public void Ties_go_to_the_lower_slot()
    {
        var a = new RoutingCandidate("agent-a", 0, AgentType.Coder, ["general"], 0, FinishedTasks: 3);
        var b = new RoutingCandidate("agent-b", 1, AgentType.Coder, ["general"], 0, FinishedTasks: 3);
        Assert.Equal(["agent-a"], TaskRouter.Route(new TaskText("something"), DistributionStrategy.Adaptive, [b, a], null, 1).Chosen);
        Assert.Equal(["agent-a"], TaskRouter.Route(new TaskText("something"), DistributionStrategy.Adaptive, [b, a], [0.4f, 0.4f], 1).Chosen);
    }

    [Fact]
    public void The_decision_shows_the_weights_and_every_agents_components()
    {
        var coder = Coder with { ActiveTasks = 1, FinishedTasks = 8 };
        var tester = Tester with { FinishedTasks = 0 };
        var (decision, chosen) = TaskRouter.Route(new TaskText("write unit tests for the api"), DistributionStrategy.Adaptive, [coder, tester], [0.8f, 0.3f], 1);

        Assert.Equal(RoutingMethod.Network, decision.Method);
        Assert.Equal(new RoutingWeights(0.3, 0.7, TaskRouter.ExplorationConstant, 0.5, 0.5), decision.Weights);
        foreach (var (score, agent, network) in new[] { (decision.Ranking.Single(r => r.AgentId == "agent-coder"), coder, 0.8), (decision.Ranking.Single(r => r.AgentId == "agent-tester"), tester, 0.3) })
        {
            Assert.Equal(network, score.NetworkScore!.Value, 6);
            Assert.Equal(agent.FinishedTasks, score.FinishedTasks);
            Assert.Equal(TaskRouter.ExplorationConstant / Math.Sqrt(1 + agent.FinishedTasks), score.Exploration, 6);
            Assert.Equal(1.0 / (1 + agent.ActiveTasks), score.AvailabilityScore, 6);
            Assert.Equal(0.3 * score.CapabilityMatch + 0.7 * network, score.Merit, 5);
            Assert.Equal(0.5 * (score.Merit + score.Exploration) + 0.5 * score.AvailabilityScore, score.Score, 5);
        }

        Assert.Equal(decision.Ranking[0].AgentId, chosen.Single());
        Assert.True(decision.Ranking[0].Score >= decision.Ranking[1].Score);
        Assert.Contains("0.3 x capability + 0.7 x network", decision.Reason);
    }

    [Fact]
    public void Before_the_network_is_trained_merit_is_the_capability_match_alone()
    {
        var (decision, _) = TaskRouter.Route(new TaskText("write unit tests"), DistributionStrategy.Balanced, [Coder, Tester], null, 1);
        Assert.Equal(new RoutingWeights(1, 0, TaskRouter.ExplorationConstant, 0.3, 0.7), decision.Weights);
        Assert.All(decision.Ranking, s => Assert.Equal(s.CapabilityMatch, s.Merit, 6));
    }

    [Fact]
    public void Exploration_lets_an_unproven_agent_beat_a_slightly_better_scored_veteran()
    {
        var veteran = new RoutingCandidate("agent-veteran", 0, AgentType.Coder, ["general"], 0, FinishedTasks: 50);
        var newcomer = new RoutingCandidate("agent-new", 1, AgentType.Coder, ["general"], 0, FinishedTasks: 0);
        float[] scores = [0.7f, 0.5f];
        Assert.Equal(["agent-new"], TaskRouter.Route(new TaskText("anything"), DistributionStrategy.Specialized, [veteran, newcomer], scores, 1).Chosen);
        Assert.Equal(["agent-veteran"], TaskRouter.Route(new TaskText("anything"), DistributionStrategy.Specialized, [veteran, newcomer], scores, 1, exploration: 0).Chosen);
        // The bonus decays with the task count: by 50 tasks each, the network decides.
        Assert.Equal(["agent-veteran"], TaskRouter.Route(new TaskText("anything"), DistributionStrategy.Specialized, [veteran, newcomer with { FinishedTasks = 50 }], scores, 1).Chosen);
        Assert.Throws<ArgumentOutOfRangeException>(() => TaskRouter.Route(new TaskText("anything"), DistributionStrategy.Specialized, [veteran], scores, 1, exploration: -1));
    }
}
