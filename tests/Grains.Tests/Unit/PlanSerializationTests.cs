using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Serialization;
using SwarmCluster.Contracts.Queen;
using SwarmCluster.Grains.Queen;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains.Tests.Unit;

/// <summary>
/// Plans travel between grains (Orleans serializer and copier) and are kept in the Queen's stored state (Orleans'
/// storage JSON): keys, areas and dependencies must survive both, and rows written before they existed must read.
/// </summary>
public class PlanSerializationTests
{
    private static readonly IHost ClientHost = new HostBuilder().UseOrleansClient(client => client.UseLocalhostClustering()).Build();

    [Fact]
    public void Keys_areas_and_dependencies_survive_the_wire_and_the_copier()
    {
        var plan = ObjectivePlanner.Plan("Research the options, then implement the parser, then test it");
        var serializer = ClientHost.Services.GetRequiredService<Serializer>();
        var copier = ClientHost.Services.GetRequiredService<DeepCopier>();
        foreach (var copy in new SwarmPlan[] { serializer.Deserialize<SwarmPlan>(serializer.SerializeToArray(plan))!, copier.Copy(plan)! })
        {
            Assert.Equal(plan.Tasks.Select(t => (t.Key, t.Area, string.Join(",", t.DependsOn))), copy.Tasks.Select(t => (t.Key, t.Area, string.Join(",", t.DependsOn))));
            Assert.Equal(["t1", "t2"], copy.Tasks.Skip(1).SelectMany(t => t.DependsOn));
        }
    }

    [Fact]
    public void A_plan_stored_before_keys_and_dependencies_reads_with_empty_ones()
    {
        var serializer = StorageJson();
        var state = new QueenGrainState { Exists = true, Objective = "Fix the login bug then test it", Plan = ObjectivePlanner.Plan("Fix the login bug then test it") };
        state.Plan = state.Plan with { Tasks = state.Plan.Tasks.ToList(), Agents = state.Plan.Agents.Select(a => a with { Capabilities = a.Capabilities.ToList() }).ToList(), Rationale = state.Plan.Rationale.ToList() };
        var json = serializer.Serialize(state, typeof(QueenGrainState));

        // The same row as an older build wrote it: no Key, Area or DependsOn on the tasks.
        var old = JsonNode.Parse(json)!;
        var tasks = old["Plan"]!["Tasks"]!["$values"]!.AsArray();
        Assert.Equal(2, tasks.Count);
        foreach (var task in tasks)
        {
            Assert.True(task!.AsObject().Remove("Key") && task.AsObject().Remove("Area") && task.AsObject().Remove("DependsOn"));
        }

        var read = (QueenGrainState)serializer.Deserialize(typeof(QueenGrainState), old.ToJsonString())!;
        Assert.All(read.Plan!.Tasks, t => Assert.Equal(("", ""), (t.Key, t.Area)));
        Assert.All(read.Plan.Tasks, t => Assert.IsType<List<string>>(t.DependsOn));
        Assert.All(read.Plan.Tasks, t => Assert.Empty(t.DependsOn));
        Assert.Equal(["Fix the login bug", "Test the login bug"], read.Plan.Tasks.Select(t => t.Description));

        // And a current row round-trips its keys and edges.
        var current = (QueenGrainState)serializer.Deserialize(typeof(QueenGrainState), json)!;
        Assert.Equal(["t1", "t2"], current.Plan!.Tasks.Select(t => t.Key));
        Assert.Equal(["t1"], current.Plan.Tasks[1].DependsOn);
        Assert.Equal("testing", current.Plan.Tasks[1].Area);
    }

    /// <summary>
    /// The JSON serializer Orleans' ADO.NET grain storage uses, with Orleans' own configuration (type allow-list,
    /// converters). A client host that is built but never started provides its services without any network.
    /// </summary>
    private static OrleansJsonSerializer StorageJson() =>
        ActivatorUtilities.GetServiceOrCreateInstance<OrleansJsonSerializer>(ClientHost.Services);
}
