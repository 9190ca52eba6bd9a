using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Contracts.Views;

namespace SwarmCluster.Grains.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public class SwarmViewTests(ClusterFixture fixture)
{
    [Fact]
    public async Task View_shows_each_training_on_the_epoch_axis_the_graph_and_the_routing_decisions()
    {
        var client = fixture.Client;
        var id = GrainKeys.NewSwarmId();
        var swarm = client.GetGrain<ISwarmGrain>(id);
        // trainEvery 0: only the manual trainings below, so the history is exactly theirs.
        await swarm.Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, 3) { TrainEvery = 0 });
        var agent = await swarm.SpawnAgent(new AgentSpec(AgentType.Coder));
        var first = await swarm.Orchestrate(new TaskSpec("write the importer"));
        var second = await swarm.Orchestrate(new TaskSpec("test the importer") { DependsOn = [first.Id], Assign = false });
        await swarm.CompleteTask(first.Id, new TaskCompletion(agent.Id, true, "done", 0.9));
        // One outcome in five is held out (by a hash of the task id): report until some are held out and some train.
        for (var i = 0; i < 40; i++)
        {
            var learning = (await swarm.GetNeuralStatus()).Learning!;
            if (learning.HeldOutOutcomes > 0 && learning.TrainableOutcomes > 1)
                break;
            var task = await swarm.Orchestrate(new TaskSpec($"parse file {i}"));
            await swarm.CompleteTask(task.Id, new TaskCompletion(agent.Id, i % 3 != 0, "done", null));
        }

        var run1 = await swarm.TrainOnOutcomes(4);
        var run2 = await swarm.TrainOnOutcomes(3);

        var view = await client.GetGrain<ISwarmViewGrain>(0).GetSwarm(Tenants.Implicit, id);

        var status = view.Status.Neural;
        Assert.Equal(7, status.EpochsTrained);
        Assert.Collection(view.Trainings,
            t => { Assert.Equal(TrainingTrigger.Manual, t.Trigger); Assert.Equal(1, t.FirstEpoch); Assert.Equal(4, t.Epochs); Assert.Equal(run1.EpochMse, t.Mse); },
            t => { Assert.Equal(TrainingTrigger.Manual, t.Trigger); Assert.Equal(5, t.FirstEpoch); Assert.Equal(3, t.Epochs); Assert.Equal(run2.EpochMse, t.Mse); });
        var history = status.Learning!.History;
        Assert.Equal(history.Select(h => (h.HeldOutAccuracyBefore, h.HeldOutAccuracyAfter)), view.Trainings.Select(t => (t.HeldOutAccuracyBefore, t.HeldOutAccuracyAfter)));
        Assert.NotNull(view.HeldOutAccuracy);
        Assert.Equal(status.Learning.HeldOutAccuracy, view.HeldOutAccuracy);
        Assert.Equal(history[^1].HeldOutAccuracyAfter, view.HeldOutAccuracy);
        Assert.Equal([agent.Id], view.Status.Agents.Select(a => a.Id));
        Assert.Equal([first.Id, second.Id], view.Graph.Tasks.Take(2).Select(t => t.Id));
        Assert.Equal([first.Id], view.Graph.Tasks[1].DependsOn);
        Assert.NotEmpty(view.RecentDecisions);
        Assert.All(view.RecentDecisions, d => Assert.Equal(agent.Id, d.Decision.Ranking[0].AgentId));

        var cluster = await client.GetGrain<ISwarmViewGrain>(0).GetCluster(Tenants.Implicit);
        Assert.Contains(cluster.Swarms, s => s.Info.Id == id && s.Tasks.Completed >= 2);
    }

    [Fact]
    public async Task View_of_another_tenants_swarm_is_not_found()
    {
        var client = fixture.Client;
        var id = GrainKeys.NewSwarmId();
        await client.GetGrain<ISwarmGrain>(id).Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, 2));

        var error = await Assert.ThrowsAsync<DomainException>(() => client.GetGrain<ISwarmViewGrain>(0).GetSwarm("acme", id));
        Assert.Equal(ErrorKind.NotFound, error.Kind);
        var cluster = await client.GetGrain<ISwarmViewGrain>(0).GetCluster("acme");
        Assert.DoesNotContain(cluster.Swarms, s => s.Info.Id == id);
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
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"training went on for {watch.Elapsed} after cancellation at 1 s");

        // Once the grain is done with the cancelled call, the network is the one stored after the first training.
        var status = await swarm.GetNeuralStatus();
        Assert.Equal(2, status.Custom!.EpochsTrained);
        Assert.Equal(0, status.EpochsTrained);
        var view = await client.GetGrain<ISwarmViewGrain>(0).GetSwarm(Tenants.Implicit, swarm.GetPrimaryKeyString());
        Assert.Equal(2, view.Status.Neural.Custom!.EpochsTrained);
        Assert.Empty(view.Trainings); // the routing network was never trained
    }

    [Fact]
    public async Task Cancelled_routing_training_applies_nothing()
    {
        var client = fixture.Client;
        var swarm = client.GetGrain<ISwarmGrain>(GrainKeys.NewSwarmId());
        await swarm.Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, 2) { TrainEvery = 0 });
        var agent = await swarm.SpawnAgent(new AgentSpec(AgentType.Coder));
        const int Tasks = 60;
        for (var i = 0; i < Tasks; i++)
        {
            var task = await swarm.Orchestrate(new TaskSpec($"migrate table {i}"));
            await swarm.CompleteTask(task.Id, new TaskCompletion(agent.Id, i % 4 != 0, "done", null));
        }

        await swarm.TrainOnOutcomes(2);

        // The most work one call may ask for: some of the outcomes are held out, so samples × epochs stays within the
        // bound whatever the split (10,000 epochs was refused whenever more than 50 outcomes were trainable). That is
        // seconds of training; the call is cancelled after one. (Cancelled after 200 ms, the call sometimes ran to
        // its end, as if the cancellation had come before the silo admitted the call.)
        var epochs = (int)(SwarmLimits.MaxTrainingWork / Tasks);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => swarm.TrainOnOutcomes(epochs, cancel.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"training went on for {watch.Elapsed} after cancellation at 1 s");

        var status = await swarm.GetNeuralStatus();
        Assert.Equal(2, status.EpochsTrained);
        Assert.Equal(1, status.Learning!.Trainings);
        Assert.False(status.Learning.TrainingRunning);
        Assert.Single(status.Learning.History);
    }
}
