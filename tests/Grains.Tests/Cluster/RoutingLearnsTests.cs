using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Tests.Unit;
using Xunit.Abstractions;

namespace SwarmCluster.Grains.Tests.Cluster;

/// <summary>
/// The routing simulation (<see cref="RoutingSimulation"/>: six look-alike agents, three families of tasks that
/// differ only in their words, each agent secretly good at one) run through a real swarm grain: tasks are routed
/// by task_orchestrate, results reported by the assigned agent, and nobody calls neural_train.
/// </summary>
[Collection(ClusterCollection.Name)]
public class RoutingLearnsTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const int Agents = 6;

    [Fact]
    public async Task The_swarm_learns_by_itself_who_is_good_at_what()
    {
        var random = new Random(1234);
        var swarm = fixture.Client.GetGrain<ISwarmGrain>(GrainKeys.NewSwarmId());
        await swarm.Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Adaptive, 8));
        var skill = new Dictionary<string, int>();
        for (var i = 0; i < Agents; i++)
        {
            // Identical profiles: capability matching cannot tell them apart, only experience can.
            var agent = await swarm.SpawnAgent(new AgentSpec(AgentType.Coder, $"a{i}", ["general"]));
            skill[agent.Id] = (i * 5) % RoutingSimulation.Families; // skill does not follow the slot order
        }

        async Task<bool> RunTaskAsync()
        {
            var (family, text) = RoutingSimulation.NewTaskText(random);
            var task = await swarm.Orchestrate(new TaskSpec(text));
            var agent = task.AssignedAgents.Single();
            var skilled = skill[agent] == family;
            var success = random.NextDouble() < (skilled ? RoutingSimulation.SkilledSuccess : RoutingSimulation.UnskilledSuccess);
            await swarm.CompleteTask(task.Id, new TaskCompletion(agent, success, success ? "done" : null, Error: success ? null : "could not do it"));
            // Trainings run in the background; waiting for them keeps the test deterministic.
            while ((await swarm.GetNeuralStatus()).Learning!.TrainingRunning)
            {
                await Task.Delay(10);
            }

            return skilled;
        }

        for (var i = 0; i < 150; i++)
        {
            await RunTaskAsync();
        }

        var status = await swarm.GetNeuralStatus();
        var learning = status.Learning!;
        Assert.True(status.RoutingUsesNetwork);
        Assert.Equal(150, learning.TrainableOutcomes + learning.HeldOutOutcomes);
        Assert.InRange(learning.HeldOutOutcomes, 15, 45); // one in five by task-id hash
        Assert.InRange(learning.Trainings, learning.TrainableOutcomes / 10 - 1, learning.TrainableOutcomes / 10);
        Assert.All(learning.History, t => Assert.Equal(TrainingTrigger.Automatic, t.Trigger));
        Assert.NotNull(learning.HeldOutAccuracy);
        Assert.Equal(150, learning.FinishedTasksBySlot.Sum());

        var decision = await swarm.Rank(new TaskSpec(RoutingSimulation.NewTaskText(random, 0).Text));
        Assert.Equal(RoutingMethod.Network, decision.Method);
        Assert.Equal(0.7, decision.Weights!.Network);
        Assert.All(decision.Ranking, s => Assert.NotNull(s.NetworkScore));

        var skilledCount = 0;
        const int NewTasks = 60;
        for (var i = 0; i < NewTasks; i++)
        {
            skilledCount += await RunTaskAsync() ? 1 : 0;
        }

        var share = skilledCount / (double)NewTasks;
        var after = (await swarm.GetNeuralStatus()).Learning!;
        output.WriteLine($"{share:P1} of {NewTasks} new tasks went to a skilled agent (chance 33 %); {after.Trainings} trainings; held-out accuracy {after.HeldOutAccuracy:P1} on {after.HeldOutOutcomes}");
        Assert.True(share >= 0.8, $"only {share:P1} of new tasks went to a skilled agent (chance 33 %)");
    }

    [Fact]
    public async Task Supplied_samples_train_the_custom_network_and_routing_is_untouched()
    {
        var swarm = fixture.Client.GetGrain<ISwarmGrain>(GrainKeys.NewSwarmId());
        await swarm.Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, 2));
        var input = new float[128];
        input[3] = 1;
        var routingBefore = await swarm.Process(input);
        var customBefore = await swarm.Process(input, NetworkKind.Custom);

        var result = await swarm.Train([new TrainingSample(input, [1f, 0f])], 50);
        Assert.Equal(NetworkKind.Custom, result.Network);
        Assert.Equal(TrainingSource.Supplied, result.Source);

        Assert.Equal(routingBefore, await swarm.Process(input));
        var customAfter = await swarm.Process(input, NetworkKind.Custom);
        Assert.True(customAfter[0] > customBefore[0] && customAfter[1] < customBefore[1], $"custom {string.Join(",", customBefore)} → {string.Join(",", customAfter)}");
        var status = await swarm.GetNeuralStatus();
        Assert.False(status.RoutingUsesNetwork);
        Assert.Equal(0, status.EpochsTrained);
        Assert.True(status.Custom!.Trained);
        Assert.Equal(50, status.Custom.EpochsTrained);
        Assert.Equal(1, status.Custom.LastSamples);

        // With no outcomes, training the routing network is refused, naming what is missing.
        var error = await Assert.ThrowsAsync<SwarmCluster.Contracts.Errors.DomainException>(() => swarm.TrainOnOutcomes(5));
        Assert.Equal("samples", error.Parameter);
        Assert.Contains("no task outcomes", error.Message);
    }
}
