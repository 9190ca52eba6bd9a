using System.Text.Json;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Queen;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Queen;

namespace SwarmCluster.Grains.Tests.Unit;

public class ObjectivePlannerTests
{
    private const string FiveAreas = "Research, implement, test, review and document a payment service";

    private const string ThreeCoders =
        "Implement the storage engine, implement the replication layer, implement the client libraries for Go, " +
        "Python and Java, and write thorough tests covering every failure mode we can imagine for this distributed " +
        "key value store, including crash recovery, network partitions, disk corruption, slow followers, full disks " +
        "on the leader and clock skew between the nodes.";

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
    public void A_one_liner_is_one_task_for_a_small_team()
    {
        var plan = ObjectivePlanner.Plan("Fix the login bug");
        var task = Assert.Single(plan.Tasks);
        Assert.Equal(("Fix the login bug", "t1", "implementation", AgentType.Coder), (task.Description, task.Key, task.Area, task.PreferredAgentType));
        Assert.Empty(task.DependsOn);
        Assert.Equal(SwarmTopology.Star, plan.Topology);
        Assert.Equal("low", plan.Complexity);
        Assert.Equal([AgentType.Coder], plan.Agents.Select(a => a.Type));
        Assert.Equal(ObjectivePlanner.DefaultMaxAgents, plan.MaxAgents);
        Assert.Contains(plan.Rationale, r => r.StartsWith("topology:star", StringComparison.Ordinal));
        Assert.Contains(plan.Rationale, r => r.StartsWith("area:implementation ← t1", StringComparison.Ordinal) && r.Contains("'fix'"));
    }

    [Fact]
    public void Each_clause_becomes_its_own_task_with_its_own_text()
    {
        var plan = ObjectivePlanner.Plan("Research caching strategies, implement a Redis cache layer, test it and document the API");
        Assert.Equal(
            ["Research caching strategies", "Implement a Redis cache layer", "Test the Redis cache layer", "Document the API"],
            plan.Tasks.Select(t => t.Description));
        Assert.Equal(["research", "implementation", "testing", "documentation"], plan.Tasks.Select(t => t.Area));
        Assert.Equal([AgentType.Researcher, AgentType.Coder, AgentType.Tester, AgentType.Documenter], plan.Tasks.Select(t => t.PreferredAgentType));
        Assert.Equal(["t1->t2", "t2->t3", "t3->t4"], Edges(plan));
        Assert.Contains(plan.Rationale, r => r.StartsWith("split:list ← ", StringComparison.Ordinal));
        Assert.Contains("text:pronoun ← 'Test it' → 'Test the Redis cache layer'", plan.Rationale);
        Assert.Contains("edge:phase ← t2 (implementation) after t1 (research)", plan.Rationale);
    }

    [Fact]
    public void Stated_order_gives_a_ring_of_sequential_tasks()
    {
        var plan = ObjectivePlanner.Plan("Research the options, then implement the parser, then test it");
        Assert.Equal(SwarmTopology.Ring, plan.Topology);
        Assert.Equal([AgentType.Researcher, AgentType.Coder, AgentType.Tester], plan.Tasks.Select(t => t.PreferredAgentType));
        Assert.Equal(["t1->t2", "t2->t3"], Edges(plan));
        Assert.All(plan.Tasks, t => Assert.Equal(ExecutionStrategy.Sequential, t.Strategy));
        Assert.Contains("order:then ← 'Research the options' before 'Implement the parser'", plan.Rationale);
        Assert.Contains("edge:order ← t3 after t2 (then)", plan.Rationale);
        Assert.Contains(plan.Rationale, r => r.StartsWith("pipeline", StringComparison.Ordinal) && r.Contains("then"));
        Assert.Contains(plan.Rationale, r => r.StartsWith("topology:ring", StringComparison.Ordinal));
    }

    [Fact]
    public void Stated_order_wins_over_the_phase_order()
    {
        var plan = ObjectivePlanner.Plan("Write failing tests for the date parser first, then implement the parser until they pass, and finally review the code.");
        Assert.Equal(["testing", "implementation", "review"], plan.Tasks.Select(t => t.Area));
        Assert.Equal("Write failing tests for the date parser", plan.Tasks[0].Description);
        Assert.Equal(["t1->t2", "t2->t3"], Edges(plan));
        Assert.Contains("edge:level ← t1 (testing) counts at the implementation phase: the objective orders it there", plan.Rationale);
        Assert.Contains(plan.Rationale, r => r.StartsWith("order:first ← 'Write failing tests for the date parser' before every later task", StringComparison.Ordinal));
    }

    [Fact]
    public void Stated_order_that_contradicts_itself_is_cut_where_it_would_close_a_cycle()
    {
        var plan = ObjectivePlanner.Plan("Update the docs after the tests are written. Write the tests after the docs are updated.");
        Assert.Equal(["Write the tests", "Update the docs"], plan.Tasks.Select(t => t.Description));
        Assert.Equal(["t1->t2"], Edges(plan));
        Assert.Contains("order:skip ← t2 before t1 (after) would close a cycle with the order stated earlier", plan.Rationale);
        Assert.Contains("merge:reference ← 'Write the tests' is 'Write the tests'", plan.Rationale);
    }

    [Fact]
    public void A_with_tail_splits_off_the_supporting_work()
    {
        var plan = ObjectivePlanner.Plan("Build a REST API for invoices with tests and documentation");
        Assert.Equal(
            ["Build a REST API for invoices", "Tests for the REST API for invoices", "Documentation for the REST API for invoices"],
            plan.Tasks.Select(t => t.Description));
        Assert.Equal(["implementation", "testing", "documentation"], plan.Tasks.Select(t => t.Area));
        Assert.Contains("split:with ← 'tests', 'documentation' split from 'Build a REST API for invoices'", plan.Rationale);
    }

    [Fact]
    public void Many_areas_get_a_coordinator_and_a_hierarchy()
    {
        var plan = ObjectivePlanner.Plan(FiveAreas);
        Assert.Equal(SwarmTopology.Hierarchical, plan.Topology);
        Assert.Equal("high", plan.Complexity);
        Assert.Equal(DistributionStrategy.Adaptive, plan.Strategy);
        Assert.Equal(AgentType.Coordinator, plan.Agents[0].Type);
        // Coordinator + one per task type; no extra coder: there is only one implementation task.
        Assert.Equal(6, plan.Agents.Count);
        Assert.Equal(6, plan.MaxAgents);
        Assert.Equal(["Research a payment service", "Implement a payment service", "Test a payment service", "Review a payment service", "Document a payment service"],
            plan.Tasks.Select(t => t.Description));
        Assert.Equal(["t1->t2", "t2->t3", "t3->t4", "t4->t5"], Edges(plan));
        Assert.Equal(plan.Agents.Count, plan.Agents.Select(a => a.Name).Distinct().Count());
        Assert.Contains("split:verbs ← 'Research', 'Implement', 'Test', 'Review' share the object 'a payment service'", plan.Rationale);
        Assert.Contains(plan.Rationale, r => r.StartsWith("agents:coordinator", StringComparison.Ordinal));
        Assert.Contains(plan.Rationale, r => r.StartsWith("agents:extra ← high complexity would add 2 coder agent(s); 1 coder task(s) need only 0", StringComparison.Ordinal));
        Assert.Contains(plan.Rationale, r => r.StartsWith("topology:hierarchical", StringComparison.Ordinal));
    }

    [Fact]
    public void Several_tasks_of_one_type_get_extra_peers_and_a_mesh()
    {
        var plan = ObjectivePlanner.Plan(ThreeCoders);
        Assert.Equal(["implementation", "implementation", "implementation", "testing"], plan.Tasks.Select(t => t.Area));
        Assert.Equal("high", plan.Complexity);
        Assert.Equal([AgentType.Coder, AgentType.Tester, AgentType.Coder, AgentType.Coder], plan.Agents.Select(a => a.Type));
        Assert.Equal(SwarmTopology.Mesh, plan.Topology);
        Assert.Contains(plan.Rationale, r => r.StartsWith("topology:mesh", StringComparison.Ordinal) && r.Contains("peers"));
        Assert.All(plan.Tasks.Where(t => t.Area == "implementation"), t => Assert.Equal(ExecutionStrategy.Parallel, t.Strategy));
        Assert.Equal(["t1->t4", "t2->t4", "t3->t4"], Edges(plan));
    }

    [Fact]
    public void MaxAgents_trims_the_team_and_tasks_fall_back_to_a_type_present()
    {
        var plan = ObjectivePlanner.Plan(FiveAreas, maxAgents: 3);
        Assert.Equal(3, plan.MaxAgents);
        // Fewer than five agents need no coordinator: the three first task types stay.
        Assert.Equal([AgentType.Researcher, AgentType.Coder, AgentType.Tester], plan.Agents.Select(a => a.Type));
        Assert.Equal(5, plan.Tasks.Count); // every deliverable keeps its task
        Assert.Equal("review", plan.Tasks[3].Area);
        Assert.Equal(AgentType.Tester, plan.Tasks[3].PreferredAgentType);
        Assert.Equal("documentation", plan.Tasks[4].Area);
        Assert.Equal(AgentType.Researcher, plan.Tasks[4].PreferredAgentType);
        Assert.All(plan.Tasks, t => Assert.Contains(plan.Agents, a => a.Type == t.PreferredAgentType));
        Assert.Contains(plan.Rationale, r => r.StartsWith("agents:trim ← 6 planned agents exceed maxAgents 3; kept no coordinator", StringComparison.Ordinal));
        Assert.Contains("agents:fallback ← no reviewer within maxAgents 3: t4 go(es) to tester", plan.Rationale);
        Assert.Contains("agents:fallback ← no documenter within maxAgents 3: t5 go(es) to researcher", plan.Rationale);
        Assert.Contains("maxAgents:3 ← given by caller", plan.Rationale);
    }

    [Fact]
    public void Given_topology_wins_and_says_so()
    {
        var plan = ObjectivePlanner.Plan("Fix the login bug", topology: SwarmTopology.Ring);
        Assert.Equal(SwarmTopology.Ring, plan.Topology);
        Assert.Contains("topology:ring ← given by caller", plan.Rationale);
    }

    [Fact]
    public void A_vague_objective_is_scoped_by_research_first()
    {
        var plan = ObjectivePlanner.Plan("Make it better");
        Assert.Equal(["Research and scope: Make it better", "Make it better"], plan.Tasks.Select(t => t.Description));
        Assert.Equal(["t1->t2"], Edges(plan));
        Assert.Equal([AgentType.Researcher, AgentType.Coder], plan.Agents.Select(a => a.Type));
        Assert.Contains(plan.Rationale, r => r.StartsWith("area:default", StringComparison.Ordinal));
    }

    [Fact]
    public void Context_sentences_give_no_task()
    {
        var plan = ObjectivePlanner.Plan("Context: the importer is slow. Our users are unhappy about it. Profile the importer.");
        var task = Assert.Single(plan.Tasks);
        Assert.Equal("Profile the importer", task.Description);
        Assert.Contains(plan.Rationale, r => r.StartsWith("skip:context ← 'Context: the importer is slow'", StringComparison.Ordinal));
        Assert.Contains("skip:context ← 'Our users are unhappy about it' names no work verb or requirement", plan.Rationale);
    }

    [Fact]
    public void Text_without_any_work_is_one_task()
    {
        var plan = ObjectivePlanner.Plan("Our team is small. The quarter is busy.");
        Assert.Equal("Our team is small. The quarter is busy.", plan.Tasks[^1].Description);
        Assert.Contains("split:none ← no sentence names a work verb or requirement: the objective is one task", plan.Rationale);
    }

    [Fact]
    public void Urgency_words_raise_priority_and_review_or_docs_are_one_lower()
    {
        var plan = ObjectivePlanner.Plan("Urgent: fix the production outage and review the patch");
        Assert.Equal(["Fix the production outage", "Review the patch"], plan.Tasks.Select(t => t.Description));
        Assert.Equal(TaskPriority.Critical, plan.Tasks.Single(t => t.PreferredAgentType == AgentType.Coder).Priority);
        Assert.Equal(TaskPriority.High, plan.Tasks.Single(t => t.PreferredAgentType == AgentType.Reviewer).Priority);
        Assert.Equal(TaskPriority.Medium, ObjectivePlanner.Plan("Fix the login bug").Tasks[0].Priority);
        Assert.Contains("split:heading ← 'Urgent:' introduces what follows", plan.Rationale);
    }

    [Fact]
    public void Long_lists_are_merged_down_to_the_task_limit_without_losing_an_item()
    {
        var services = Enumerable.Range(1, 30).Select(i => $"service{i:00}").ToList();
        var objective = "Health checks:\n" + string.Join("\n", services.Select(s => $"- Add a health check to {s}"));
        var plan = ObjectivePlanner.Plan(objective);
        Assert.Equal(ObjectivePlanner.MaxPlannedTasks, plan.Tasks.Count);
        Assert.All(services, s => Assert.Single(plan.Tasks, t => t.Description.Contains(s, StringComparison.Ordinal)));
        // Merges spread: no task carries more than two of the items.
        Assert.All(plan.Tasks, t => Assert.InRange(services.Count(s => t.Description.Contains(s, StringComparison.Ordinal)), 1, 2));
        Assert.Contains("merge:limit ← 30 deliverables exceed MaxPlannedTasks 24: merged 6 implementation item(s) into a neighbour of the same area", plan.Rationale);
    }

    [Fact]
    public void Repeated_deliverables_are_one_task()
    {
        var plan = ObjectivePlanner.Plan("Fix the bug, fix the bug, fix the bug, then test it");
        Assert.Equal(["Fix the bug", "Test the bug"], plan.Tasks.Select(t => t.Description));
        Assert.Contains("merge:duplicate ← 'Fix the bug' repeated 2 more time(s): one task", plan.Rationale);
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

    [Theory]
    [InlineData("research implement test review document optimize analyze coordinate then ")]
    [InlineData("Fix it, ")]
    [InlineData("- add a cache\n")]
    [InlineData("1. write the tests then ")]
    [InlineData("!!! ??? ")]
    [InlineData("(test, review, document) ")]
    public void Huge_objectives_stay_within_limits(string unit)
    {
        var objective = string.Concat(Enumerable.Repeat(unit, ObjectivePlanner.MaxObjectiveLength / unit.Length + 1));
        var plan = ObjectivePlanner.Plan(objective[..ObjectivePlanner.MaxObjectiveLength].Trim());
        Assert.InRange(plan.Tasks.Count, 1, ObjectivePlanner.MaxPlannedTasks);
        Assert.All(plan.Tasks, t => Assert.InRange(t.Description.Length, 1, ObjectivePlanner.MaxTaskDescriptionLength));
        Assert.InRange(plan.Agents.Count, 1, ObjectivePlanner.MaxAgentsLimit);
        Assert.InRange(plan.MaxAgents, plan.Agents.Count, ObjectivePlanner.MaxAgentsLimit);
        PlannerCorpusTests.AssertInvariants(plan);
    }

    [Fact]
    public void Planned_tasks_built_the_old_way_have_empty_keys_and_dependencies()
    {
        var task = new PlannedTask("Fix it", TaskPriority.Medium, ExecutionStrategy.Adaptive, AgentType.Coder);
        Assert.Equal(("", ""), (task.Key, task.Area));
        Assert.IsType<List<string>>(task.DependsOn);
        Assert.Empty(task.DependsOn);
    }

    internal static List<string> Edges(SwarmPlan plan) =>
        plan.Tasks.SelectMany(t => t.DependsOn.Select(d => $"{d}->{t.Key}")).Order(StringComparer.Ordinal).ToList();
}
