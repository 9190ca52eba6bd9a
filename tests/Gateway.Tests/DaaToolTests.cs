using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

/// <summary>The daa_* tools through a real MCP client (the Node SDK), success paths and errors.</summary>
[Collection(GatewayCollection.Name)]
public sealed class DaaToolTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Agents_are_created_by_id_adapt_by_the_documented_rule_and_report_their_learning()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 4);
        var run = await fixture.Run(
            Tool("init", "daa_init", new { enableLearning = true, enableCoordination = true, persistenceMode = "disk", swarmId = swarm }),
            Tool("create", "daa_agent_create", new { id = "analyst-1", capabilities = new[] { "analysis", "sql" }, cognitivePattern = "convergent", learningRate = 0.5, swarmId = swarm }),
            Tool("again", "daa_agent_create", new { id = "analyst-1", swarmId = swarm }),
            Tool("other", "daa_agent_create", new { id = "coder.2", swarmId = swarm }),
            Tool("high", "daa_agent_adapt", new { agentId = "analyst-1", feedback = "good", performanceScore = 0.9, suggestions = new[] { "keep going" }, swarmId = swarm }),
            Tool("low1", "daa_agent_adapt", new { agent_id = "analyst-1", performanceScore = 0.2, swarmId = swarm }),
            Tool("low2", "daa_agent_adapt", new { agentId = "analyst-1", performanceScore = 0.1, swarmId = swarm }),
            Tool("low3", "daa_agent_adapt", new { agentId = Ref("create", "agent.id"), performanceScore = 0.3 }),
            Tool("textOnly", "daa_agent_adapt", new { agentId = "analyst-1", feedback = "no score", swarmId = swarm }),
            Tool("status", "daa_learning_status", new { agentId = "analyst-1", detailed = true, swarmId = swarm }),
            Tool("all", "daa_learning_status", new { swarmId = swarm }),
            Tool("change", "daa_cognitive_pattern", new { agentId = "coder.2", action = "change", pattern = "systems", swarmId = swarm }),
            Tool("analyze", "daa_cognitive_pattern", new { action = "analyze", swarmId = swarm }),
            Tool("list", "agent_list", new { swarmId = swarm }),
            // Errors, each naming the parameter.
            Tool("badId", "daa_agent_create", new { id = "no spaces", swarmId = swarm }),
            Tool("agentPrefix", "daa_agent_create", new { id = "agent-x", swarmId = swarm }),
            Tool("badRate", "daa_agent_create", new { id = "r", learningRate = 2, swarmId = swarm }),
            Tool("noId", "daa_agent_create", new { swarmId = swarm }),
            Tool("badScore", "daa_agent_adapt", new { agentId = "analyst-1", performanceScore = 1.5, swarmId = swarm }),
            Tool("unknown", "daa_agent_adapt", new { agentId = "nobody", performanceScore = 0.5, swarmId = swarm }),
            Tool("twins", "daa_agent_adapt", new { agentId = "analyst-1", agent_id = "coder.2", swarmId = swarm }),
            Tool("noAgent", "daa_agent_adapt", new { performanceScore = 0.5, swarmId = swarm }),
            Tool("noPattern", "daa_cognitive_pattern", new { agentId = "coder.2", action = "change", swarmId = swarm }),
            Tool("badPattern", "daa_cognitive_pattern", new { agentId = "coder.2", action = "change", pattern = "abstract", swarmId = swarm }),
            Tool("badMode", "daa_init", new { persistenceMode = "cloud", swarmId = swarm }),
            Tool("noSwarm", "daa_init", new { swarmId = "swarm-nothere" }));

        var init = run["init"].Success;
        Assert.Equal("disk", init.GetProperty("persistence").GetString());
        Assert.True(init.GetProperty("knowledgeAcknowledged").GetBoolean());

        var created = run["create"].Success;
        var agentId = created.GetProperty("agent").GetProperty("id").GetString()!;
        Assert.StartsWith("agent-", agentId);
        Assert.Equal("analyst-1", created.GetProperty("agent").GetProperty("name").GetString());
        Assert.Equal("analyst-1", created.GetProperty("alias").GetString());
        Assert.True(created.GetProperty("created").GetBoolean());
        Assert.Equal(0.5, created.GetProperty("learningRate").GetDouble());
        Assert.Equal("convergent", created.GetProperty("agent").GetProperty("pattern").GetString());
        Assert.Equal(agentId, run["again"].Success.GetProperty("agent").GetProperty("id").GetString());
        Assert.False(run["again"].Success.GetProperty("created").GetBoolean());

        // estimate 0.5 → 0.7 (0.5 toward 0.9) → 0.45 → 0.275 → 0.2875, and the third low score switches the pattern.
        var high = run["high"].Success;
        Assert.Equal(0.7, high.GetProperty("estimateAfter").GetDouble(), 6);
        Assert.Equal(0, high.GetProperty("lowScoreStreak").GetInt32());
        Assert.Equal(1, run["low1"].Success.GetProperty("lowScoreStreak").GetInt32());
        Assert.Equal(2, run["low2"].Success.GetProperty("lowScoreStreak").GetInt32());
        Assert.Equal("convergent", run["low2"].Success.GetProperty("patternAfter").GetString());
        var low3 = run["low3"].Success;
        Assert.Equal(0.2875, low3.GetProperty("estimateAfter").GetDouble(), 6);
        Assert.Equal("convergent", low3.GetProperty("patternBefore").GetString());
        Assert.Equal("divergent", low3.GetProperty("patternAfter").GetString());
        Assert.True(low3.GetProperty("patternChanged").GetBoolean());
        Assert.Contains("3 scores in a row below 0.5", low3.GetProperty("reason").GetString());
        Assert.Contains("no performanceScore", run["textOnly"].Success.GetProperty("reason").GetString());

        var status = run["status"].Success.GetProperty("agents")[0];
        Assert.Equal(5, status.GetProperty("feedbackCount").GetInt32());
        Assert.Equal(4, status.GetProperty("adaptationCount").GetInt32());
        Assert.Equal(1, status.GetProperty("patternSwitches").GetInt32());
        Assert.Equal((0.9 + 0.2 + 0.1 + 0.3) / 4, status.GetProperty("averageScore").GetDouble(), 6);
        Assert.Equal(0.2875, status.GetProperty("agent").GetProperty("performanceEstimate").GetDouble(), 6);
        Assert.Equal("divergent", status.GetProperty("agent").GetProperty("agent").GetProperty("pattern").GetString());
        Assert.Equal(5, status.GetProperty("feedback").GetArrayLength());
        Assert.Equal(["keep going"], status.GetProperty("feedback")[0].GetProperty("suggestions").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(2, status.GetProperty("patternHistory").GetArrayLength());
        Assert.Equal(2, run["all"].Success.GetProperty("agents").GetArrayLength());
        Assert.Contains("held-out", run["status"].Success.GetProperty("routingAccuracy").GetProperty("method").GetString());

        var change = run["change"].Success;
        Assert.Equal("systems", change.GetProperty("agent").GetProperty("pattern").GetString());
        Assert.Equal("researcher", change.GetProperty("agent").GetProperty("type").GetString());
        var patterns = run["analyze"].Success.GetProperty("patterns").EnumerateArray().ToDictionary(p => p.GetProperty("pattern").GetString()!);
        Assert.Equal(1, patterns["divergent"].GetProperty("agents").GetInt32());
        Assert.Equal(1, patterns["systems"].GetProperty("agents").GetInt32());
        // Scores count under the pattern the agent had when they were given: 0.9, 0.2, 0.1 under convergent; 0.3 switched it.
        Assert.Equal(3, patterns["convergent"].GetProperty("scores").GetInt32());
        var listed = run["list"].Success.GetProperty("agents").EnumerateArray().ToDictionary(a => a.GetProperty("name").GetString()!);
        Assert.Equal("divergent", listed["analyst-1"].GetProperty("pattern").GetString());

        Assert.Equal("id", run["badId"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("id", run["agentPrefix"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("learningRate", run["badRate"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("id", run["noId"].ToolError("invalid_argument", "required").GetProperty("parameter").GetString());
        Assert.Equal("performanceScore", run["badScore"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("agentId", run["unknown"].ToolError("not_found", "not found").GetProperty("parameter").GetString());
        Assert.Equal("agentId", run["twins"].ToolError("invalid_argument", "differ").GetProperty("parameter").GetString());
        Assert.Equal("agentId", run["noAgent"].ToolError("invalid_argument", "required").GetProperty("parameter").GetString());
        Assert.Equal("pattern", run["noPattern"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("pattern", run["badPattern"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("persistenceMode", run["badMode"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("swarmId", run["noSwarm"].ToolError("not_found").GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Learning_off_records_feedback_without_adapting()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 2);
        var run = await fixture.Run(
            Tool("init", "daa_init", new { enableLearning = false, swarmId = swarm }),
            Tool("create", "daa_agent_create", new { id = "steady", swarmId = swarm }),
            Tool("a1", "daa_agent_adapt", new { agentId = "steady", performanceScore = 0.1, swarmId = swarm }),
            Tool("a2", "daa_agent_adapt", new { agentId = "steady", performanceScore = 0.1, swarmId = swarm }),
            Tool("a3", "daa_agent_adapt", new { agentId = "steady", performanceScore = 0.1, swarmId = swarm }),
            Tool("status", "daa_learning_status", new { agentId = "steady", swarmId = swarm }),
            Tool("meta", "daa_meta_learning", new { sourceDomain = swarm, targetDomain = swarm }));
        Assert.False(run["init"].Success.GetProperty("enableLearning").GetBoolean());
        Assert.True(run["init"].Success.GetProperty("enableCoordination").GetBoolean());
        Assert.False(run["a3"].Success.GetProperty("patternChanged").GetBoolean());
        Assert.Contains("learning is off", run["a3"].Success.GetProperty("reason").GetString());
        var status = run["status"].Success.GetProperty("agents")[0];
        Assert.Equal(3, status.GetProperty("feedbackCount").GetInt32());
        Assert.Equal(0, status.GetProperty("adaptationCount").GetInt32());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("agent").GetProperty("performanceEstimate").ValueKind);
        Assert.Equal("enableLearning", run["meta"].ToolError("conflict").GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Knowledge_is_copied_into_each_targets_namespace_with_real_counts()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 5);
        var other = await fixture.NewSwarm(maxAgents: 2);
        var content = new { rule = "index foreign keys", confidence = 0.8, examples = new[] { "orders.customer_id" } };
        var run = await fixture.Run(
            Tool("src", "daa_agent_create", new { id = "teacher", swarmId = swarm }),
            Tool("t1", "daa_agent_create", new { id = "student-1", swarmId = swarm }),
            Tool("t2", "daa_agent_create", new { id = "student-2", swarmId = swarm }),
            Tool("nomem", "daa_agent_create", new { id = "forgetful", enableMemory = false, swarmId = swarm }),
            Tool("share", "daa_knowledge_share", new { sourceAgentId = "teacher", targetAgentIds = new[] { "student-1", "student-2", "forgetful" }, knowledgeDomain = "databases", knowledgeContent = content, swarmId = swarm }),
            Tool("share2", "daa_knowledge_share", new { source_agent = "teacher", target_agents = new[] { "student-1" }, knowledgeDomain = "testing", knowledgeContent = new { tip = "test the edges" }, swarmId = swarm }),
            Tool("read", "memory_usage", new { action = "retrieve", @namespace = Ref("share", "targets.0.namespace"), key = "databases/" + "${src.result.structuredContent.agent.id}" }),
            Tool("status", "daa_learning_status", new { agentId = "student-1", swarmId = swarm }),
            Tool("unknownTarget", "daa_knowledge_share", new { sourceAgentId = "teacher", targetAgentIds = new[] { "student-1", "ghost" }, knowledgeContent = content, swarmId = swarm }),
            Tool("noContent", "daa_knowledge_share", new { sourceAgentId = "teacher", targetAgentIds = new[] { "student-1" }, swarmId = swarm }),
            Tool("noTargets", "daa_knowledge_share", new { sourceAgentId = "teacher", knowledgeContent = content, swarmId = swarm }),
            Tool("arrayContent", "daa_knowledge_share", new { sourceAgentId = "teacher", targetAgentIds = new[] { "student-1" }, knowledgeContent = new[] { 1 }, swarmId = swarm }),
            Tool("foreign", "daa_knowledge_share", new { sourceAgentId = "teacher", targetAgentIds = new[] { Ref("src", "agent.id") }, knowledgeContent = content, swarmId = other }),
            Tool("off", "daa_init", new { enableCoordination = false, swarmId = swarm }),
            Tool("refused", "daa_knowledge_share", new { sourceAgentId = "teacher", targetAgentIds = new[] { "student-1" }, knowledgeContent = content, swarmId = swarm }));

        var share = run["share"].Success;
        Assert.Equal(2, share.GetProperty("delivered").GetInt32());
        Assert.Equal(1, share.GetProperty("skipped").GetInt32());
        var targets = share.GetProperty("targets").EnumerateArray().ToList();
        Assert.All(targets.Take(2), t =>
        {
            Assert.True(t.GetProperty("delivered").GetBoolean());
            Assert.True(t.GetProperty("durable").GetBoolean()); // auto: acknowledged after the database write
            Assert.Equal(1, t.GetProperty("knowledgeEntries").GetInt32());
            Assert.StartsWith("kb:", t.GetProperty("namespace").GetString());
        });
        Assert.Contains("enableMemory", targets[2].GetProperty("reason").GetString());
        Assert.Equal(2, run["share2"].Success.GetProperty("targets")[0].GetProperty("knowledgeEntries").GetInt32());

        var entry = run["read"].Success.GetProperty("entry").GetProperty("value");
        Assert.Equal("databases", entry.GetProperty("domain").GetString());
        Assert.Equal("index foreign keys", entry.GetProperty("content").GetProperty("rule").GetString());
        Assert.Equal(run["src"].Success.GetProperty("agent").GetProperty("id").GetString(), entry.GetProperty("from").GetString());
        Assert.Equal(2, run["status"].Success.GetProperty("agents")[0].GetProperty("knowledgeEntries").GetInt32());

        Assert.Equal("targetAgentIds[1]", run["unknownTarget"].ToolError("not_found").GetProperty("parameter").GetString());
        Assert.Equal("knowledgeContent", run["noContent"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("targetAgentIds", run["noTargets"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("knowledgeContent", run["arrayContent"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("targetAgentIds[0]", run["foreign"].ToolError("invalid_argument", "belongs to swarm").GetProperty("parameter").GetString());
        Assert.False(run["off"].Success.GetProperty("enableCoordination").GetBoolean());
        Assert.Equal("enableCoordination", run["refused"].ToolError("conflict").GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Swarm_destroy_clears_the_daa_records_the_agents_knowledge_and_the_workflow_runs_of_the_swarm()
    {
        var request = "daa-destroy-" + Guid.NewGuid().ToString("n")[..8];
        var workflow = "wf-" + Guid.NewGuid().ToString("n")[..8];
        var steps = new object[] { new { id = "a", description = "step a" }, new { id = "b", description = "step b", dependsOn = new[] { "a" } } };
        var first = await fixture.Run(
            Tool("init", "swarm_init", new { topology = "mesh", maxAgents = 3, requestId = request }),
            Tool("keeper", "daa_agent_create", new { id = "keeper", swarmId = Ref("init") }),
            Tool("learner", "daa_agent_create", new { id = "learner", swarmId = Ref("init") }),
            Tool("adapt", "daa_agent_adapt", new { agentId = "learner", feedback = "slow", performanceScore = 0.2, swarmId = Ref("init") }),
            Tool("share", "daa_knowledge_share", new { sourceAgentId = "keeper", targetAgentIds = new[] { "learner" }, knowledgeContent = new { tip = "cache it" }, swarmId = Ref("init") }),
            Tool("create", "daa_workflow_create", new { id = workflow, name = "Two steps", steps }),
            Tool("exec", "daa_workflow_execute", new { workflowId = workflow, swarmId = Ref("init") }),
            Tool("destroy", "swarm_destroy", new { swarmId = Ref("init") }),
            Tool("knowledge", "memory_usage", new { action = "list", @namespace = Ref("share", "targets.0.namespace") }),
            Tool("info", "daa_workflow_create", new { id = workflow, name = "Two steps", steps }));
        var swarm = first["init"].Success.GetProperty("id").GetString()!;
        Assert.Equal(1, first["share"].Success.GetProperty("delivered").GetInt32());
        Assert.True(first["exec"].Success.GetProperty("started").GetBoolean());
        _ = first["destroy"].Success;
        Assert.Equal(0, first["knowledge"].Success.GetProperty("total").GetInt32());
        Assert.Empty(first["info"].Success.GetProperty("executedIn").EnumerateArray()); // the run went with the swarm

        // The same requestId makes a swarm of the same id again: it starts with nothing of the old one's DAA state.
        var again = await fixture.Run(
            Tool("init", "swarm_init", new { topology = "mesh", maxAgents = 3, requestId = request }),
            Tool("learner", "daa_agent_create", new { id = "learner", swarmId = Ref("init") }),
            Tool("status", "daa_learning_status", new { agentId = "learner", swarmId = Ref("init") }),
            Tool("exec", "daa_workflow_execute", new { workflowId = workflow, swarmId = Ref("init") }));
        Assert.Equal(swarm, again["init"].Success.GetProperty("id").GetString());
        var learner = again["status"].Success.GetProperty("agents")[0];
        Assert.Equal(0, learner.GetProperty("feedbackCount").GetInt32());
        Assert.Equal(0, learner.GetProperty("knowledgeEntries").GetInt32());
        var exec = again["exec"].Success;
        Assert.True(exec.GetProperty("started").GetBoolean());
        Assert.Equal(1, exec.GetProperty("ready").GetInt32());
    }

    [Fact]
    public async Task Performance_metrics_count_what_happened_in_the_window()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 2);
        var run = await fixture.Run(
            Tool("a", "daa_agent_create", new { id = "doer", swarmId = swarm }),
            Tool("t1", "task_orchestrate", new { task = "first job", swarmId = swarm }),
            Tool("c1", "task_complete", new { taskId = Ref("t1"), success = true, output = "ok", quality = 0.8 }),
            Tool("t2", "task_orchestrate", new { task = "second job", swarmId = swarm }),
            Tool("c2", "task_complete", new { taskId = Ref("t2"), success = false, error = "broke" }),
            Tool("t3", "task_orchestrate", new { task = "third job", assign = false, swarmId = swarm }),
            Tool("fb", "daa_agent_adapt", new { agentId = "doer", performanceScore = 0.6, swarmId = swarm }),
            Tool("all", "daa_performance_metrics", new { swarmId = swarm }),
            Tool("perf", "daa_performance_metrics", new { category = "performance", timeRange = "1h", swarmId = swarm }),
            Tool("neural", "daa_performance_metrics", new { category = "neural", timeRange = "7d", swarmId = swarm }),
            Tool("badRange", "daa_performance_metrics", new { timeRange = "yesterday", swarmId = swarm }),
            Tool("hugeRange", "daa_performance_metrics", new { timeRange = "9999d", swarmId = swarm }),
            Tool("badCategory", "daa_performance_metrics", new { category = "magic", swarmId = swarm }));

        var all = run["all"].Success;
        var performance = all.GetProperty("figures").GetProperty("performance");
        Assert.Equal(3, performance.GetProperty("created").GetInt32());
        Assert.Equal(1, performance.GetProperty("completed").GetInt32());
        Assert.Equal(1, performance.GetProperty("failed").GetInt32());
        Assert.Equal(0.5, performance.GetProperty("successRate").GetDouble());
        Assert.Equal(0.8, performance.GetProperty("averageQuality").GetDouble(), 6);
        var efficiency = all.GetProperty("figures").GetProperty("efficiency");
        Assert.Equal(1, efficiency.GetProperty("agents").GetInt32());
        Assert.Equal(0.6, efficiency.GetProperty("feedbackAverageScore").GetDouble(), 6);
        Assert.Equal(1, all.GetProperty("figures").GetProperty("neural").GetProperty("adaptations").GetInt32());
        Assert.Contains("cannot be measured", all.GetProperty("systemNote").GetString());
        Assert.True(all.GetProperty("system").GetProperty("workingSetBytes").GetInt64() > 0);

        var perf = run["perf"].Success.GetProperty("figures");
        Assert.Equal(JsonValueKind.Null, perf.GetProperty("efficiency").ValueKind);
        Assert.Equal(JsonValueKind.Null, run["perf"].Success.GetProperty("system").ValueKind);
        Assert.Equal(1.0, perf.GetProperty("performance").GetProperty("completedPerHour").GetDouble(), 6); // one completed in a 1 h window
        Assert.Equal(JsonValueKind.Null, run["neural"].Success.GetProperty("figures").GetProperty("performance").ValueKind);
        Assert.Equal(3, run["neural"].Success.GetProperty("figures").GetProperty("neural").GetProperty("network").GetProperty("layers").GetArrayLength() - 1);

        Assert.Equal("timeRange", run["badRange"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("timeRange", run["hugeRange"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("category", run["badCategory"].ToolError("invalid_argument").GetProperty("parameter").GetString());
    }
}
