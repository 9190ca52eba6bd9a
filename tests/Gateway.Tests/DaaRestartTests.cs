using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// What the DAA tools acknowledge survives a crash: agents keep their ids (derived from the given id), shared
/// knowledge (auto persistence: acknowledged after the database write), feedback history and workflows.
/// Own gateway processes: the first one is killed (no clean shutdown, no write-behind flush).
/// </summary>
public sealed class DaaRestartTests : IAsyncLifetime
{
    private readonly string _dataDirectory = TestPaths.NewTempDirectory("daa-restart");

    [Fact]
    public async Task Knowledge_agents_feedback_and_workflows_survive_a_killed_gateway()
    {
        string swarm, studentId, ns;
        var first = await GatewayProcess.StartAsync(_dataDirectory);
        try
        {
            var run = await McpNodeClient.RunAsync(first.McpUrl,
                Tool("init", "swarm_init", new { topology = "mesh", maxAgents = 3 }),
                Tool("daa", "daa_init", new { persistenceMode = "auto" }),
                Tool("teacher", "daa_agent_create", new { id = "teacher", learningRate = 0.25 }),
                Tool("student", "daa_agent_create", new { id = "student", cognitivePattern = "lateral" }),
                Tool("adapt", "daa_agent_adapt", new { agentId = "student", feedback = "too slow", performanceScore = 0.2 }),
                Tool("share", "daa_knowledge_share", new { sourceAgentId = "teacher", targetAgentIds = new[] { "student" }, knowledgeDomain = "caching", knowledgeContent = new { rule = "cache reads, not writes" } }),
                Tool("wf", "daa_workflow_create", new { id = "nightly", name = "Nightly", steps = new object[] { new { id = "a", description = "collect" }, new { id = "b", description = "report", dependsOn = new[] { "a" } } } }),
                Tool("exec", "daa_workflow_execute", new { workflowId = "nightly" }));
            swarm = run["init"].Success.GetProperty("id").GetString()!;
            studentId = run["student"].Success.GetProperty("agent").GetProperty("id").GetString()!;
            var delivery = run["share"].Success.GetProperty("targets")[0];
            Assert.True(delivery.GetProperty("durable").GetBoolean());
            ns = delivery.GetProperty("namespace").GetString()!;
            Assert.Equal(2, run["exec"].Success.GetProperty("total").GetInt32());
        }
        finally
        {
            await first.KillAsync();
            await first.DisposeAsync();
        }

        await using var second = await GatewayProcess.StartAsync(_dataDirectory);
        var after = await McpNodeClient.RunAsync(second.McpUrl,
            Tool("again", "daa_agent_create", new { id = "student", swarmId = swarm }),
            Tool("knowledge", "memory_usage", new { action = "list", @namespace = ns }),
            Tool("status", "daa_learning_status", new { agentId = "student", detailed = true, swarmId = swarm }),
            Tool("settings", "daa_init", new { swarmId = swarm }),
            Tool("progress", "daa_workflow_execute", new { workflowId = "nightly", swarmId = swarm }));

        var again = after["again"].Success;
        Assert.False(again.GetProperty("created").GetBoolean());
        Assert.Equal(studentId, again.GetProperty("agent").GetProperty("id").GetString());
        Assert.Equal("lateral", again.GetProperty("agent").GetProperty("pattern").GetString());

        var entries = after["knowledge"].Success.GetProperty("entries").EnumerateArray().ToList();
        Assert.Single(entries);
        Assert.Equal("cache reads, not writes", entries[0].GetProperty("value").GetProperty("content").GetProperty("rule").GetString());

        var student = after["status"].Success.GetProperty("agents")[0];
        Assert.Equal(1, student.GetProperty("feedbackCount").GetInt32());
        Assert.Equal("too slow", student.GetProperty("feedback")[0].GetProperty("text").GetString());
        Assert.Equal(1, student.GetProperty("knowledgeEntries").GetInt32());
        Assert.Equal(0.47, student.GetProperty("agent").GetProperty("performanceEstimate").GetDouble(), 6); // 0.5 + 0.1 × (0.2 − 0.5)
        Assert.Equal("auto", after["settings"].Success.GetProperty("persistence").GetString());

        var progress = after["progress"].Success;
        Assert.False(progress.GetProperty("started").GetBoolean());
        Assert.Equal(1, progress.GetProperty("ready").GetInt32());
        Assert.Equal(1, progress.GetProperty("blocked").GetInt32());
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
