using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Contracts.Views;

namespace SwarmCluster.Grains.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public class SwarmViewTests(ClusterFixture fixture)
{
    [Fact]
    public async Task View_shows_the_training_curve_the_graph_and_the_routing_decisions()
    {
        var client = fixture.Client;
        var id = GrainKeys.NewSwarmId();
        var swarm = client.GetGrain<ISwarmGrain>(id);
        await swarm.Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, 3));
        var agent = await swarm.SpawnAgent(new AgentSpec(AgentType.Coder));
        var first = await swarm.Orchestrate(new TaskSpec("write the importer"));
        var second = await swarm.Orchestrate(new TaskSpec("test the importer") { DependsOn = [first.Id], Assign = false });
        await swarm.CompleteTask(first.Id, new TaskCompletion(agent.Id, true, "done", 0.9));
        var run1 = await swarm.TrainOnOutcomes(4);
        var run2 = await swarm.TrainOnOutcomes(3);

        var view = await client.GetGrain<ISwarmViewGrain>(0).GetSwarm(id);

        Assert.Equal(run1.EpochMse.Concat(run2.EpochMse), view.TrainingCurve);
        Assert.Equal(1, view.FirstCurveEpoch);
        Assert.Equal(7, view.Status.Neural.EpochsTrained);
        Assert.Null(view.HeldOutAccuracy);
        Assert.Equal([agent.Id], view.Status.Agents.Select(a => a.Id));
        Assert.Equal([first.Id, second.Id], view.Graph.Tasks.Select(t => t.Id));
        Assert.Equal([first.Id], view.Graph.Tasks[1].DependsOn);
        var decision = Assert.Single(view.RecentDecisions);
        Assert.Equal(first.Id, decision.TaskId);
        Assert.Equal(TaskState.Completed, decision.Status);
        Assert.Equal(agent.Id, decision.Decision.Ranking[0].AgentId);

        var cluster = await client.GetGrain<ISwarmViewGrain>(0).GetCluster();
        Assert.Contains(cluster.Swarms, s => s.Info.Id == id && s.Tasks.Completed == 1);
    }

    [Fact]
    public async Task Cancelled_training_stops_between_epochs_and_keeps_the_stored_network()
    {
        var client = fixture.Client;
        var swarm = client.GetGrain<ISwarmGrain>(GrainKeys.NewSwarmId());
        await swarm.Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, 4));
        var random = new Random(7);
        var samples = Enumerable.Range(0, 50).Select(_ => new TrainingSample(
            Enumerable.Range(0, 128).Select(_ => random.NextSingle()).ToArray(),
            Enumerable.Range(0, 4).Select(_ => random.NextSingle()).ToArray())).ToList();
        await swarm.Train(samples, 2);

        // 10,000 epochs over 50 samples take seconds; the call is cancelled after 200 ms.
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => swarm.Train(samples, 10_000, cancel.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"training went on for {watch.Elapsed} after cancellation");

        // Once the grain is done with the cancelled call, the network is the one stored after the first training.
        var status = await swarm.GetNeuralStatus();
        Assert.Equal(2, status.EpochsTrained);
        var view = await client.GetGrain<ISwarmViewGrain>(0).GetSwarm(swarm.GetPrimaryKeyString());
        Assert.Equal(2, view.TrainingCurve.Count);
    }
}
