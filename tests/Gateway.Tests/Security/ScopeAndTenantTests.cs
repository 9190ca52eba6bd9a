using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests.Security;

/// <summary>What an authenticated principal may do: scopes (403 naming the scope) and tenants (another tenant's ids do not exist).</summary>
[Collection(SecuredGatewayCollection.Name)]
public sealed class ScopeAndTenantTests(SecuredGatewayFixture f)
{
    [Fact]
    public async Task A_missing_scope_is_403_over_rest_and_a_forbidden_error_over_mcp_naming_the_scope_and_nothing_happens()
    {
        var (_, swarm, _) = await f.Rest("swarm_init", new { topology = "star" }, f.Key("acme-writer"));
        var swarmId = swarm.GetProperty("id").GetString()!;

        foreach (var (key, tool, arguments, scope) in new (string, string, object, string)[]
        {
            ("acme-reader", "swarm_init", new { topology = "mesh" }, "write"),
            ("acme-reader", "agent_spawn", new { type = "coder", swarmId }, "write"),
            ("acme-reader", "memory_usage", new { action = "store", key = "k", value = 1 }, "write"),
            ("acme-reader", "memory_usage", new { action = "delete", key = "k" }, "write"),
            ("acme-writer", "swarm_destroy", new { swarmId }, "admin"),
            ("acme-writer", "benchmark_run", new { type = "swarm", iterations = 1 }, "admin"),
            ("acme-writer", "features_detect", new { }, "admin"),
            ("acme-writer", "memory_usage", new { detail = "detailed" }, "admin"),
            ("acme-reader", "daa_agent_create", new { id = "nobody", swarmId }, "write"),
            ("acme-reader", "daa_cognitive_pattern", new { action = "change", agentId = "nobody", pattern = "lateral", swarmId }, "write"),
            ("acme-reader", "neural_import", new { network = "x", swarmId }, "write"),
        })
        {
            var (status, body, _) = await f.Rest(tool, arguments, f.Key(key));
            Assert.True(status == 403, $"{key} → {tool}: {status} {body}");
            Assert.Equal("forbidden", body.GetProperty("error").GetProperty("kind").GetString());
            Assert.Contains($"needs the '{scope}' scope", body.GetProperty("error").GetProperty("message").GetString());
        }

        var run = await f.Mcp(f.Key("acme-writer"), Tool("destroy", "swarm_destroy", new { swarmId }), Tool("status", "swarm_status", new { swarmId }));
        run["destroy"].ToolError("forbidden", "needs the 'admin' scope");
        Assert.Equal(0, run["status"].Success.GetProperty("agents").GetProperty("total").GetInt32()); // still there, unchanged

        // Reads are fine with read; the admin scope includes write and read.
        Assert.Equal(200, (await f.Rest("swarm_status", new { swarmId }, f.Key("acme-reader"))).Status);
        Assert.Equal(200, (await f.Rest("memory_usage", new { action = "list" }, f.Key("acme-reader"))).Status);
        Assert.Equal(200, (await f.Rest("daa_cognitive_pattern", new { swarmId }, f.Key("acme-reader"))).Status); // analyze only reads
        Assert.Equal(200, (await f.Rest("neural_export", new { swarmId }, f.Key("acme-reader"))).Status);
        Assert.Equal(200, (await f.Rest("agent_spawn", new { type = "coder", swarmId }, f.Key("acme-admin"))).Status);
        Assert.Equal(200, (await f.Rest("swarm_destroy", new { swarmId }, f.Key("acme-admin"))).Status);
    }

    [Fact]
    public async Task Deleting_in_a_namespace_another_principal_created_needs_admin()
    {
        var ns = "owned-" + Guid.NewGuid().ToString("n")[..8];
        Assert.Equal(200, (await f.Rest("memory_usage", new { action = "store", @namespace = ns, key = "a", value = 1 }, f.Key("acme-writer"))).Status);
        // Another writer of the same tenant may add entries but not delete them; its creator and an admin may.
        Assert.Equal(200, (await f.Rest("memory_usage", new { action = "store", @namespace = ns, key = "b", value = 2 }, f.Key("acme-writer-rotated"))).Status);
        var (refused, body, _) = await f.Rest("memory_usage", new { action = "delete", @namespace = ns, key = "a" }, f.Key("acme-writer-rotated"));
        Assert.True(refused == 403, body.ToString());
        Assert.Contains("another principal created", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(200, (await f.Rest("memory_usage", new { action = "delete", @namespace = ns, key = "b" }, f.Key("acme-writer"))).Status);
        var (_, deleted, _) = await f.Rest("memory_usage", new { action = "delete", @namespace = ns, key = "a" }, f.Key("acme-admin"));
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task Another_tenants_ids_are_not_found_on_every_tool_and_nothing_of_it_changes()
    {
        // acme builds a swarm with an agent, a task and a memory entry.
        var acme = await f.Mcp(f.Key("acme-writer"),
            Tool("init", "swarm_init", new { topology = "mesh", maxAgents = 4, requestId = "shared-request" }),
            Tool("agent", "agent_spawn", new { type = "coder", swarmId = Ref("init") }),
            Tool("task", "task_orchestrate", new { task = "acme's secret task", swarmId = Ref("init"), assign = false }),
            Tool("mem", "memory_usage", new { action = "store", key = "plan", value = new { owner = "acme" } }));
        var swarmId = acme["init"].Success.GetProperty("id").GetString()!;
        var agentId = acme["agent"].Success.GetProperty("id").GetString()!;
        var taskId = acme["task"].Success.GetProperty("id").GetString()!;
        Assert.StartsWith("swarm-acme-", swarmId);
        Assert.True(acme["mem"].Success.GetProperty("stored").GetBoolean());

        var before = await Snapshot(f.Key("acme-writer"), swarmId, taskId);

        // globex (write, then admin) tries to read and change each of them.
        var globex = await f.Mcp(f.Key("globex-writer"),
            Tool("status", "swarm_status", new { swarmId }),
            Tool("monitor", "swarm_monitor", new { swarmId, duration = 0 }),
            Tool("queen", "queen_status", new { swarmId }),
            Tool("agents", "agent_list", new { swarmId }),
            Tool("agent", "agent_metrics", new { agentId }),
            Tool("neural", "neural_status", new { agentId }),
            Tool("process", "neural_process", new { swarmId, input = Enumerable.Repeat(0.5, 128).ToArray() }),
            Tool("train", "neural_train", new { swarmId, iterations = 1 }),
            Tool("patterns", "neural_patterns", new { swarmId }),
            Tool("spawn", "agent_spawn", new { type = "coder", swarmId }),
            Tool("orchestrate", "task_orchestrate", new { task = "x", swarmId }),
            Tool("depends", "task_orchestrate", new { task = "x", dependsOn = new[] { taskId } }),
            Tool("taskstatus", "task_status", new { taskId }),
            Tool("results", "task_results", new { taskId }),
            Tool("claim", "task_claim", new { agentId }),
            Tool("progress", "task_progress", new { taskId, progress = 0.5 }),
            Tool("complete", "task_complete", new { taskId, success = true, output = "globex was here" }),
            Tool("cancel", "task_cancel", new { taskId }),
            Tool("byagent", "memory_usage", new { detail = "by-agent", swarmId }),
            Tool("mem", "memory_usage", new { action = "retrieve", key = "plan" }),
            Tool("memlist", "memory_usage", new { action = "list" }),
            Tool("same", "swarm_init", new { topology = "mesh", requestId = "shared-request" }),
            Tool("mine", "swarm_status", new { }),
            Tool("allpatterns", "neural_patterns", new { }));
        // The same answer as an id of globex's own that never existed: nobody learns whether acme's exists.
        var absentSwarm = "swarm-globex-0123456789abcdef";
        var absent = await f.Mcp(f.Key("globex-writer"), Tool("s", "swarm_status", new { swarmId = absentSwarm }));
        string Shape(McpOutcome outcome, string id) => outcome.ToolError("not_found").GetProperty("message").GetString()!.Replace(id, "<id>");
        foreach (var call in new[] { "status", "monitor", "queen", "agents", "process", "train", "patterns", "spawn", "orchestrate", "byagent" })
            Assert.Equal(Shape(absent["s"], absentSwarm), Shape(globex[call], swarmId));
        foreach (var call in new[] { "agent", "neural", "claim" })
            globex[call].ToolError("not_found", $"agent '{agentId}' not found");
        foreach (var call in new[] { "depends", "taskstatus", "results", "progress", "complete", "cancel" })
            globex[call].ToolError("not_found", $"task '{taskId}' not found");
        Assert.False(globex["mem"].Success.GetProperty("found").GetBoolean()); // globex's own "default" namespace
        Assert.Equal(0, globex["memlist"].Success.GetProperty("total").GetInt32());
        var globexSwarm = globex["same"].Success.GetProperty("id").GetString()!;
        Assert.StartsWith("swarm-globex-", globexSwarm); // the same requestId names another tenant's own swarm
        var mine = globex["mine"].Success;
        Assert.Equal(globexSwarm, mine.GetProperty("swarmId").GetString()); // the newest swarm is globex's
        Assert.DoesNotContain(swarmId, mine.GetProperty("swarmIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, globex["allpatterns"].Success.GetProperty("swarmsScanned").GetInt32());

        var admin = await f.Mcp(f.Key("globex-admin"), Tool("destroy", "swarm_destroy", new { swarmId }));
        admin["destroy"].ToolError("not_found", $"swarm '{swarmId}' not found");
        var (restStatus, restBody, _) = await f.Rest("swarm_destroy", new { swarmId }, f.Key("globex-admin"));
        Assert.True(restStatus == 404, restBody.ToString());

        // Nothing of acme's changed, and acme still sees its own.
        Assert.Equal(before, await Snapshot(f.Key("acme-writer"), swarmId, taskId));
        var status = (await f.Mcp(f.Key("acme-writer"), Tool("s", "swarm_status", new { swarmId }))) ["s"].Success;
        Assert.DoesNotContain(globexSwarm, status.GetProperty("swarmIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Another_tenants_daa_workflows_knowledge_and_learning_are_not_found_and_equal_ids_are_its_own()
    {
        var workflow = "wf-" + Guid.NewGuid().ToString("n")[..8];
        var steps = new[] { new { id = "a", description = "acme's step" } };
        var acme = await f.Mcp(f.Key("acme-writer"),
            Tool("init", "swarm_init", new { topology = "mesh", maxAgents = 3 }),
            Tool("teacher", "daa_agent_create", new { id = "teacher", swarmId = Ref("init") }),
            Tool("student", "daa_agent_create", new { id = "student", swarmId = Ref("init") }),
            Tool("share", "daa_knowledge_share", new { sourceAgentId = "teacher", targetAgentIds = new[] { "student" }, knowledgeContent = new { secret = "acme" }, swarmId = Ref("init") }),
            Tool("create", "daa_workflow_create", new { id = workflow, name = "acme flow", steps }),
            Tool("exec", "daa_workflow_execute", new { workflowId = workflow, swarmId = Ref("init") }));
        var swarmId = acme["init"].Success.GetProperty("id").GetString()!;
        var ns = acme["share"].Success.GetProperty("targets")[0].GetProperty("namespace").GetString()!;
        Assert.True(acme["exec"].Success.GetProperty("started").GetBoolean());

        var globex = await f.Mcp(f.Key("globex-writer"),
            Tool("mine", "swarm_init", new { topology = "mesh", maxAgents = 3 }),
            Tool("status", "daa_learning_status", new { swarmId }),
            Tool("agent", "daa_agent_adapt", new { agentId = acme["student"].Success.GetProperty("agent").GetProperty("id").GetString(), performanceScore = 0.1 }),
            Tool("meta", "daa_meta_learning", new { sourceDomain = swarmId, targetDomain = Ref("mine"), transferMode = "direct" }),
            Tool("metrics", "daa_performance_metrics", new { swarmId }),
            Tool("knowledge", "memory_usage", new { action = "list", @namespace = ns }),
            Tool("runAcme", "daa_workflow_execute", new { workflowId = workflow, swarmId }),
            Tool("same", "daa_workflow_create", new { id = workflow, name = "globex flow", steps = new[] { new { id = "z", description = "globex's step" } } }),
            Tool("runMine", "daa_workflow_execute", new { workflowId = workflow, swarmId = Ref("mine") }));
        foreach (var call in new[] { "status", "agent", "metrics" })
            globex[call].ToolError("not_found");
        globex["meta"].ToolError("not_found");
        Assert.Equal(0, globex["knowledge"].Success.GetProperty("total").GetInt32()); // globex's own, empty namespace of that name
        globex["runAcme"].ToolError("not_found"); // globex has no workflow of that id yet
        var mine = globex["same"].Success; // the same id is globex's own workflow: no conflict with acme's
        Assert.True(mine.GetProperty("created").GetBoolean());
        Assert.Equal("globex flow", mine.GetProperty("name").GetString());
        Assert.Equal(["z"], globex["runMine"].Success.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("stepId").GetString()));

        // acme's workflow and knowledge are unchanged.
        var check = await f.Mcp(f.Key("acme-writer"),
            Tool("info", "daa_workflow_create", new { id = workflow, name = "acme flow", steps }),
            Tool("knowledge", "memory_usage", new { action = "list", @namespace = ns }));
        Assert.False(check["info"].Success.GetProperty("created").GetBoolean());
        Assert.Equal([swarmId], check["info"].Success.GetProperty("executedIn").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, check["knowledge"].Success.GetProperty("total").GetInt32());
    }

    private async Task<string> Snapshot(string key, string swarmId, string taskId)
    {
        var run = await f.Mcp(key,
            Tool("status", "swarm_status", new { swarmId, verbose = true }),
            Tool("task", "task_status", new { taskId, detailed = true }),
            Tool("mem", "memory_usage", new { action = "retrieve", key = "plan" }));
        var status = run["status"].Success;
        var task = run["task"].Success;
        var entry = run["mem"].Success.GetProperty("entry");
        return string.Join("|",
            status.GetProperty("agents").GetRawText(), status.GetProperty("tasks").GetRawText(), status.GetProperty("counters").GetProperty("tasksCompleted").GetRawText(),
            task.GetProperty("tasks")[0].GetRawText(),
            entry.GetProperty("value").GetRawText(), entry.GetProperty("updatedAt").GetRawText());
    }
}
