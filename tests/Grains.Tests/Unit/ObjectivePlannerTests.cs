using System.Text.Json;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Queen;

namespace SwarmCluster.Grains.Tests.Unit;

public class ObjectivePlannerTests
{
    private const string FiveAreas = "Research, implement, test, review and document a payment service";

    private const string ManyCoders =
        "Implement a distributed key value store in Rust with replication, snapshots, log compaction, leader election, " +
        "membership changes, client libraries for Go, Python and Java, a command line tool, configuration files, graceful " +
        "shutdown, crash recovery, a durable on-disk format, and write thorough tests covering every failure mode we can " +
        "imagine for this storage engine.";

    [Fact]
    public void Same_objective_gives_the_same_plan()
    {
        const string objective = "Research caching strategies, implement a Redis cache layer, test it and document the API";
        var first = JsonSerializer.Serialize(ObjectivePlanner.Plan(objective));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(first, JsonSerializer.Serialize(ObjectivePlanner.Plan(objective)));
        }

        Assert.NotEqual(first, JsonSerializer.Serialize(ObjectivePlanner.Plan(objective + " then benchmark it")));
    }

    [Fact]
    public void Small_team_gets_a_star()
    {
        var plan = ObjectivePlanner.Plan("Fix the login bug");
        Assert.Equal(SwarmTopology.Star, plan.Topology);
        Assert.Equal("low", plan.Complexity);
        Assert.Equal([AgentType.Coder], plan.Agents.Select(a => a.Type));
        Assert.Equal(ObjectivePlanner.DefaultMaxAgents, plan.MaxAgents);
        Assert.Single(plan.Tasks);
        Assert.Contains(plan.Rationale, r => r.StartsWith("topology:star", StringComparison.Ordinal));
        Assert.Contains(plan.Rationale, r => r.StartsWith("area:implementation", StringComparison.Ordinal) && r.Contains("'fix'"));
    }

    [Fact]
    public void Pipeline_words_give_a_ring_with_sequential_tasks_in_mention_order()
    {
        var plan = ObjectivePlanner.Plan("Research the options, then implement the parser, then test it");
        Assert.Equal(SwarmTopology.Ring, plan.Topology);
        Assert.Equal([AgentType.Researcher, AgentType.Coder, AgentType.Tester], plan.Tasks.Select(t => t.PreferredAgentType));
        Assert.All(plan.Tasks, t => Assert.Equal(ExecutionStrategy.Sequential, t.Strategy));
        Assert.Contains(plan.Rationale, r => r.StartsWith("pipeline", StringComparison.Ordinal) && r.Contains("'then'"));
        Assert.Contains(plan.Rationale, r => r.StartsWith("topology:ring", StringComparison.Ordinal));
    }

    [Fact]
    public void Many_areas_get_a_coordinator_and_a_hierarchy()
    {
        var plan = ObjectivePlanner.Plan(FiveAreas);
        Assert.Equal(SwarmTopology.Hierarchical, plan.Topology);
        Assert.Equal("high", plan.Complexity);
        Assert.Equal(DistributionStrategy.Adaptive, plan.Strategy);
        Assert.Equal(AgentType.Coordinator, plan.Agents[0].Type);
        Assert.Equal(8, plan.Agents.Count); // coordinator + 5 areas + 2 extra coders
        Assert.Equal(8, plan.MaxAgents);
        Assert.Equal(5, plan.Tasks.Count);
        Assert.Equal(plan.Agents.Count, plan.Agents.Select(a => a.Name).Distinct().Count());
        Assert.Contains(plan.Rationale, r => r.StartsWith("agents:coordinator", StringComparison.Ordinal));
        Assert.Contains(plan.Rationale, r => r.StartsWith("topology:hierarchical", StringComparison.Ordinal));
        Assert.Contains(plan.Rationale, r => r.StartsWith("strategy:adaptive", StringComparison.Ordinal));
        foreach (var area in new[] { "research", "implementation", "testing", "review", "documentation" })
        {
            Assert.Contains(plan.Rationale, r => r.StartsWith("area:" + area, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Many_peers_of_one_type_get_a_mesh()
    {
        var plan = ObjectivePlanner.Plan(ManyCoders);
        Assert.Equal(SwarmTopology.Mesh, plan.Topology);
        Assert.Equal(3, plan.Agents.Count(a => a.Type == AgentType.Coder));
        Assert.Equal(4, plan.Agents.Count);
        Assert.Contains(plan.Rationale, r => r.StartsWith("topology:mesh", StringComparison.Ordinal) && r.Contains("peers"));
        Assert.Equal(ExecutionStrategy.Parallel, plan.Tasks.Single(t => t.PreferredAgentType == AgentType.Coder).Strategy);
    }

    [Fact]
    public void MaxAgents_trims_the_team_keeping_the_coordinator_and_one_per_area_first()
    {
        var plan = ObjectivePlanner.Plan(FiveAreas, maxAgents: 3);
        Assert.Equal(3, plan.MaxAgents);
        Assert.Equal([AgentType.Coordinator, AgentType.Researcher, AgentType.Coder], plan.Agents.Select(a => a.Type));
        Assert.Equal(5, plan.Tasks.Count); // every area still gets its task
        Assert.Contains(plan.Rationale, r => r.StartsWith("agents:trim", StringComparison.Ordinal));
        Assert.Contains(plan.Rationale, r => r == "maxAgents:3 ← given by caller");
    }

    [Fact]
    public void Given_topology_wins_and_says_so()
    {
        var plan = ObjectivePlanner.Plan("Fix the login bug", topology: SwarmTopology.Ring);
        Assert.Equal(SwarmTopology.Ring, plan.Topology);
        Assert.Contains("topology:ring ← given by caller", plan.Rationale);
    }

    [Fact]
    public void No_keywords_fall_back_to_research_and_implementation()
    {
        var plan = ObjectivePlanner.Plan("Make it better");
        Assert.Equal([AgentType.Researcher, AgentType.Coder], plan.Agents.Select(a => a.Type));
        Assert.Contains(plan.Rationale, r => r.StartsWith("area:default", StringComparison.Ordinal));
    }

    [Fact]
    public void Urgency_words_raise_priority_and_review_or_docs_are_one_lower()
    {
        var plan = ObjectivePlanner.Plan("Urgent: fix the production outage and review the patch");
        Assert.Equal(TaskPriority.Critical, plan.Tasks.Single(t => t.PreferredAgentType == AgentType.Coder).Priority);
        Assert.Equal(TaskPriority.High, plan.Tasks.Single(t => t.PreferredAgentType == AgentType.Reviewer).Priority);
        Assert.Equal(TaskPriority.Medium, ObjectivePlanner.Plan("Fix the login bug").Tasks[0].Priority);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    [InlineData(-5)]
    public void MaxAgents_out_of_bounds_is_rejected(int maxAgents) =>
        Expect.DomainSync(ErrorKind.InvalidArgument, "maxAgents", () => ObjectivePlanner.Plan("Fix the bug", maxAgents));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_objective_is_rejected(string objective) =>
        Expect.DomainSync(ErrorKind.InvalidArgument, "objective", () => ObjectivePlanner.Plan(objective));

    [Fact]
    public void Oversized_objective_is_rejected() =>
        Expect.DomainSync(ErrorKind.InvalidArgument, "objective", () => ObjectivePlanner.Plan(new string('a', ObjectivePlanner.MaxObjectiveLength + 1)));

    [Fact]
    public void Huge_objectives_stay_within_limits()
    {
        var objective = string.Join(' ', Enumerable.Repeat("research implement test review document optimize analyze coordinate then", 60));
        var plan = ObjectivePlanner.Plan(objective[..ObjectivePlanner.MaxObjectiveLength].Trim());
        Assert.InRange(plan.Agents.Count, 1, ObjectivePlanner.MaxAgentsLimit);
        Assert.InRange(plan.MaxAgents, plan.Agents.Count, ObjectivePlanner.MaxAgentsLimit);
        Assert.Equal(8, plan.Tasks.Count);
        Assert.All(plan.Tasks, t => Assert.True(t.Description.Length < 400));
    }
}
