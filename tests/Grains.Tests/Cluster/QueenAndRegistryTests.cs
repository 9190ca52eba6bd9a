using System.Text.Json;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Queen;
using SwarmCluster.Contracts.Registry;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public class QueenAndRegistryTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    [Fact]
    public async Task Analyze_is_deterministic_across_queens()
    {
        const string objective = "Research the options, then implement the parser, then test it";
        var a = await _client.GetGrain<IQueenGrain>(GrainKeys.NewSwarmId()).Analyze(objective, null, null);
        var b = await _client.GetGrain<IQueenGrain>(GrainKeys.NewSwarmId()).Analyze(objective, null, null);
        Assert.Equal(JsonSerializer.Serialize(a), JsonSerializer.Serialize(b));
        Assert.Equal(SwarmTopology.Ring, a.Topology);
        await Expect.Invalid("maxAgents", () => _client.GetGrain<IQueenGrain>(GrainKeys.NewSwarmId()).Analyze(objective, 0, null));
    }

    [Fact]
    public async Task CreateHive_builds_the_planned_swarm_and_GetHive_returns_it()
    {
        var id = GrainKeys.NewSwarmId();
        var queen = _client.GetGrain<IQueenGrain>(id);
        await Expect.Domain(ErrorKind.NotFound, "swarmId", () => queen.GetHive());

        var hive = await queen.CreateHive("Research, implement, test, review and document a payment service", null, null);
        Assert.Equal(id, hive.SwarmId);
        Assert.Equal(hive.Plan.Agents.Count, hive.Agents.Count);
        Assert.Equal(hive.Plan.Agents.Select(a => (a.Type, a.Name)), hive.Agents.Select(a => (a.Type, a.Name)));
        Assert.Equal(hive.Plan.Tasks.Count, hive.Tasks.Count);
        // Each planned task waits in the queue (or for its dependencies), pinned to its preferred type's capability.
        foreach (var (planned, task) in hive.Plan.Tasks.Zip(hive.Tasks))
        {
            Assert.Empty(task.AssignedAgents);
            Assert.Equal(planned.Description, task.Description);
            Assert.Equal(task.DependsOn.Count == 0 ? TaskState.Pending : TaskState.Blocked, task.Status);
            var capable = hive.Agents.Where(a => task.RequiredCapabilities.All(a.Capabilities.Contains)).ToList();
            Assert.Contains(capable, a => a.Type == planned.PreferredAgentType);
        }

        var status = await queen.GetStatus();
        Assert.NotNull(status.Plan);
        Assert.Equal(hive.Tasks.Count, status.Graph.Tasks.Count);
        Assert.True(SupervisionPolicy.Queen == status.Graph.Supervision);

        var swarm = await _client.GetGrain<ISwarmGrain>(id).GetInfo();
        Assert.Equal((hive.Plan.Topology, hive.Plan.Strategy, hive.Plan.MaxAgents, hive.Agents.Count), (swarm.Topology, swarm.Strategy, swarm.MaxAgents, swarm.AgentCount));
        Assert.Equal(hive.Plan.Objective, swarm.Objective);
        Assert.Contains(id, await _client.GetGrain<IRegistryGrain>(GrainKeys.Registry).ListSwarms());

        var again = await queen.GetHive();
        Assert.Equal(hive.CreatedAt, again.CreatedAt);
        Assert.Equal(JsonSerializer.Serialize(hive.Plan), JsonSerializer.Serialize(again.Plan));
        Assert.Equal(hive.Tasks.Select(t => t.Id), again.Tasks.Select(t => t.Id));
        // A repeat of the creation answers with the hive it made.
        Assert.Equal(hive.Tasks.Select(t => t.Id), (await queen.CreateHive("anything else", null, null)).Tasks.Select(t => t.Id));

        await _client.GetGrain<ISwarmGrain>(id).Destroy();
        await Expect.Domain(ErrorKind.NotFound, "swarmId", () => queen.GetHive());
    }

    [Fact]
    public async Task Registry_default_is_the_most_recent_live_swarm()
    {
        var registry = _client.GetGrain<IRegistryGrain>(GrainKeys.Registry);
        var first = GrainKeys.NewSwarmId();
        var second = GrainKeys.NewSwarmId();
        await _client.GetGrain<ISwarmGrain>(first).Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, 2));
        await _client.GetGrain<ISwarmGrain>(second).Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, 2));
        var swarms = await registry.ListSwarms();
        Assert.True(swarms.ToList().IndexOf(first) < swarms.ToList().IndexOf(second));
        Assert.Equal(second, await registry.GetDefaultSwarm());

        await _client.GetGrain<ISwarmGrain>(second).Destroy();
        Assert.Equal(first, await registry.GetDefaultSwarm());
        await _client.GetGrain<ISwarmGrain>(first).Destroy();
        Assert.DoesNotContain(first, await registry.ListSwarms());

        await registry.RegisterNamespace("shared");
        await registry.RegisterNamespace("shared");
        Assert.Single(await registry.ListNamespaces(), n => n == "shared");
        await Expect.Invalid("swarmId", () => registry.RegisterSwarm("not-a-swarm"));
        await Expect.Invalid("namespace", () => registry.RegisterNamespace("bad ns"));
    }
}
