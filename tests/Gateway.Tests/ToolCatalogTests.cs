using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;

namespace SwarmCluster.Gateway.Tests;

/// <summary>tools/list as a third-party client sees it, checked against ruv-swarm 1.0.20's own schemas.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ToolCatalogTests(GatewayFixture fixture)
{
    public static readonly string[] CoreTools =
    [
        "swarm_init", "swarm_status", "swarm_monitor", "agent_spawn", "agent_list", "agent_metrics", "task_orchestrate",
        "task_status", "task_results", "benchmark_run", "features_detect", "memory_usage", "neural_status", "neural_train", "neural_patterns",
    ];

    public static readonly string[] SeedTools =
        ["neural_process", "swarm_create_with_queen", "swarm_plan", "task_progress", "task_complete", "swarm_destroy"];

    /// <summary>The coordination loop: claims with leases, cancellation, the Queen's view.</summary>
    public static readonly string[] CoordinationTools = ["task_claim", "task_cancel", "queen_status"];

    /// <summary>ruv-swarm's ten decentralized-autonomous-agent tools.</summary>
    public static readonly string[] DaaTools =
    [
        "daa_init", "daa_agent_create", "daa_agent_adapt", "daa_workflow_create", "daa_workflow_execute", "daa_knowledge_share",
        "daa_learning_status", "daa_cognitive_pattern", "daa_meta_learning", "daa_performance_metrics",
    ];

    /// <summary>FANN networks and training data in and out.</summary>
    public static readonly string[] NetworkFileTools = ["neural_export", "neural_import"];

    public static IEnumerable<string> AllTools => CoreTools.Concat(SeedTools).Concat(CoordinationTools).Concat(DaaTools).Concat(NetworkFileTools);

    [Fact]
    public async Task ToolsList_ShowsEveryToolWithDescriptionAndSchema()
    {
        var run = await fixture.Run(McpCall.ListTools());
        var tools = run["list"].Result.GetProperty("tools").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);

        Assert.Equal(AllTools.Order(), tools.Keys.Order());
        foreach (var (name, tool) in tools)
        {
            Assert.True(tool.GetProperty("description").GetString()!.Length > 40, $"{name}: description too short");
            var schema = tool.GetProperty("inputSchema");
            Assert.Equal("object", schema.GetProperty("type").GetString());
            foreach (var property in schema.GetProperty("properties").EnumerateObject())
                Assert.True(property.Value.TryGetProperty("description", out _), $"{name}.{property.Name}: no description");
        }
    }

    [Fact]
    public async Task AllRuvSwarmTools_KeepTheirParameters_Types_Enums_Defaults_AndBounds()
    {
        var run = await fixture.Run(McpCall.ListTools());
        var ours = run["list"].Result.GetProperty("tools").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        using var reference = JsonDocument.Parse(await File.ReadAllTextAsync(TestPaths.ReferenceTools));

        var referenceTools = reference.RootElement.GetProperty("tools").EnumerateArray().ToList();
        Assert.Equal(25, referenceTools.Count);
        Assert.Equal(CoreTools.Concat(DaaTools).Order(), referenceTools.Select(t => t.GetProperty("name").GetString()!).Order());
        foreach (var tool in referenceTools)
        {
            var name = tool.GetProperty("name").GetString()!;
            var theirs = tool.GetProperty("inputSchema");
            var mine = ours[name].GetProperty("inputSchema");
            var myProperties = mine.GetProperty("properties");

            foreach (var property in theirs.GetProperty("properties").EnumerateObject())
            {
                var where = $"{name}.{property.Name}";
                Assert.True(myProperties.TryGetProperty(property.Name, out var my), $"{where}: missing");
                var expected = property.Value;
                if (expected.TryGetProperty("enum", out var values))
                {
                    var myValues = my.GetProperty("enum").EnumerateArray().Select(v => v.ToString()).ToHashSet();
                    foreach (var value in values.EnumerateArray())
                    {
                        // ruv-swarm's 'abstract' pattern is kept and answered honestly (no agent can have it).
                        Assert.True(myValues.Contains(value.GetString()!), $"{where}: enum value '{value}' missing");
                    }
                }
                if (expected.TryGetProperty("default", out var def))
                    Assert.Equal(def.ToString(), my.GetProperty("default").ToString());
                foreach (var bound in new[] { "minimum", "maximum" })
                    if (expected.TryGetProperty(bound, out var b))
                        Assert.Equal(b.GetDouble(), my.GetProperty(bound).GetDouble());
                Assert.Contains(expected.GetProperty("type").GetString()!, TypesOf(my).Select(t => t == "integer" ? "number" : t));
            }

            var required = theirs.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()).ToList() : [];
            var myRequired = mine.TryGetProperty("required", out var mr) ? mr.EnumerateArray().Select(x => x.GetString()).ToList() : [];
            // Where ruv-swarm lists a snake_case and a camelCase spelling of one argument (agent_id / agentId) it
            // requires the camelCase one although either is meant: ours takes either, so neither can be required.
            var twins = required.Where(n => n is not null && SnakeTwin(name, n) != n && theirs.GetProperty("properties").TryGetProperty(SnakeTwin(name, n), out _)).ToList();
            Assert.True(twins.Count == 0 || name.StartsWith("daa_", StringComparison.Ordinal), $"{name}: unexpected twins");
            Assert.Equal(required.Except(twins).Order(), myRequired.Order());
        }
    }

    [Fact]
    public async Task SwarmScopedTools_TakeAnOptionalSwarmId()
    {
        var run = await fixture.Run(McpCall.ListTools());
        var tools = run["list"].Result.GetProperty("tools").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        foreach (var name in new[] { "swarm_status", "swarm_monitor", "agent_spawn", "agent_list", "agent_metrics", "task_orchestrate", "task_status",
                     "neural_status", "neural_train", "neural_patterns", "neural_process", "memory_usage" })
        {
            var schema = tools[name].GetProperty("inputSchema");
            Assert.True(schema.GetProperty("properties").TryGetProperty("swarmId", out _), $"{name}: no swarmId");
            var required = schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()).ToList() : [];
            Assert.DoesNotContain("swarmId", required);
        }
    }

    [Fact]
    public async Task Ping_AndServerInfo()
    {
        var run = await fixture.Run(McpCall.Ping());
        Assert.True(run["ping"].Ok, run["ping"].ErrorMessage);
        Assert.Equal("swarmcluster", run.ServerInfo.GetProperty("name").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+", run.ServerInfo.GetProperty("version").GetString());
    }

    private static string SnakeTwin(string tool, string? camel) => (tool, camel) switch
    {
        ("daa_knowledge_share", "sourceAgentId") => "source_agent",
        ("daa_knowledge_share", "targetAgentIds") => "target_agents",
        _ => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(camel ?? ""),
    };

    private static IEnumerable<string> TypesOf(JsonElement schema) =>
        schema.GetProperty("type") is { ValueKind: JsonValueKind.Array } array
            ? array.EnumerateArray().Select(t => t.GetString()!)
            : [schema.GetProperty("type").GetString()!];
}
