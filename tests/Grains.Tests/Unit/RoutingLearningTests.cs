using SwarmCluster.Contracts.Neural;
using SwarmCluster.Grains.Learning;
using SwarmCluster.Grains.State;
using Xunit.Abstractions;

namespace SwarmCluster.Grains.Tests.Unit;

/// <summary>The routing network learns who is good at what by itself (see <see cref="RoutingSimulation"/>).</summary>
public class RoutingLearningTests(ITestOutputHelper output)
{
    public const int LearningOutcomes = 150;
    public const int NewTasks = 120;

    /// <summary>
    /// 6 agents, 3 families, 150 recorded outcomes; then the next 120 tasks are routed while the swarm keeps working
    /// (their outcomes are recorded and trained on as they finish, as in a live swarm). Chance is 33 %.
    /// </summary>
    [Theory]
    [InlineData(11)]
    [InlineData(23)]
    [InlineData(37)]
    [InlineData(41)]
    public void After_150_outcomes_new_tasks_go_to_skilled_agents(int seed)
    {
        using var sim = new RoutingSimulation(seed);
        sim.Run(LearningOutcomes);

        // It trained by itself after every 10 trainable outcomes (one in five is held out): ~12 trainings.
        Assert.InRange(sim.Trainings.Count, 10, 15);
        Assert.All(sim.Trainings, t => Assert.Equal(TrainingTrigger.Automatic, t.Trigger));
        Assert.True(sim.Routing.Trained);

        sim.Run(NewTasks);
        var share = sim.SkilledShare(LearningOutcomes);
        output.WriteLine($"seed {seed}: {share:P1} of the {NewTasks} new tasks went to a skilled agent; {sim.Trainings.Count} trainings");
        Assert.True(share >= 0.8, $"seed {seed}: only {share:P1} of new tasks went to a skilled agent (chance 33 %)");
    }

    /// <summary>
    /// After the 150 outcomes a 7th agent joins that is better than everyone at family 0 (0.98 against the two
    /// incumbents' 0.9). Over the next 200 outcomes the exploration bonus must get it tried on its family and win
    /// it a clear share of that family's tasks (measured over the last 100 outcomes); without the bonus (c = 0) the
    /// trained network starves it.
    /// </summary>
    [Fact]
    public void Exploration_discovers_a_better_new_agent()
    {
        const int more = 200;
        int[] seeds = [11, 23, 37, 41];
        var explored = seeds.Select(s => Newcomer(s, Grains.Routing.TaskRouter.ExplorationConstant, more)).ToList();
        var greedy = seeds.Take(2).Select(s => Newcomer(s, 0, more)).ToList();
        output.WriteLine($"newcomer's share of family 0 in the last {more / 2} outcomes: with exploration {string.Join(" ", explored.Select(x => x.Share.ToString("0.00")))} (mean {explored.Average(x => x.Share):0.00}), " +
                         $"family-0 tasks {string.Join(" ", explored.Select(x => x.FamilyTasks))}; without {string.Join(" ", greedy.Select(x => x.Share.ToString("0.00")))} (mean {greedy.Average(x => x.Share):0.00})");

        // Every newcomer was tried on its family; together they won a clear share of it (the two incumbents and the
        // newcomer are all good at it: an even split would be a third) ...
        Assert.All(explored, x => Assert.True(x.FamilyTasks >= 3, $"the newcomer did only {x.FamilyTasks} tasks of its family"));
        Assert.True(explored.Average(x => x.Share) >= 0.5, $"mean share {explored.Average(x => x.Share):0.00}");
        // ... which the trained network alone would not have given it.
        Assert.True(greedy.Average(x => x.Share) <= 0.1, $"without exploration: {greedy.Average(x => x.Share):0.00}");
    }

    [Fact]
    public void Held_out_accuracy_is_higher_after_training_than_before()
    {
        using var sim = new RoutingSimulation(11);
        sim.Run(LearningOutcomes);
        var trained = sim.Routing.EvaluateHeldOut();

        // The same held-out outcomes scored by the untrained network (rebuilt from the same seed).
        using var untrained = RoutingNetwork.Open(8, RoutingNetwork.SeedFor("swarm-sim-11"), new SwarmNetworkState(), sim.Outcomes);
        var before = untrained.EvaluateHeldOut();
        output.WriteLine($"held out {trained.Count}: accuracy {before.Accuracy:0.000} untrained -> {trained.Accuracy:0.000} trained; MSE {before.Mse:0.000} -> {trained.Mse:0.000}");

        Assert.Equal(before.Count, trained.Count);
        Assert.InRange(trained.Count, 20, 40); // one in five of 150
        // Untrained, every output is 0.5 ("success" at the threshold): its accuracy is the held-out success rate.
        Assert.Equal(sim.Routing.Samples().Where(x => x.HeldOut).Count(x => x.Success) / (double)trained.Count, before.Accuracy!.Value, 6);
        Assert.True(trained.Accuracy > before.Accuracy, $"{before.Accuracy} -> {trained.Accuracy}");
        Assert.True(trained.Accuracy >= 0.8, $"{trained.Accuracy}");
        Assert.True(trained.Mse < before.Mse - 0.05, $"{before.Mse} -> {trained.Mse}");

        // Every training measured the held-out outcomes before and after, on the held-out set of its time.
        Assert.All(sim.Trainings.Where(t => t.HeldOutSamples > 0), t =>
        {
            Assert.NotNull(t.HeldOutAccuracyBefore);
            Assert.NotNull(t.HeldOutAccuracyAfter);
            Assert.NotNull(t.HeldOutMseBefore);
            Assert.NotNull(t.HeldOutMseAfter);
        });
        var first = sim.Trainings.First(t => t.HeldOutSamples > 0);
        var last = sim.Trainings[^1];
        Assert.True(last.HeldOutMseAfter < first.HeldOutMseBefore, $"{first.HeldOutMseBefore} -> {last.HeldOutMseAfter}");
        Assert.True(last.HeldOutSamples <= trained.Count);
        Assert.Equal(sim.Network.History[^1], last);
    }

    private static (double Share, int FamilyTasks) Newcomer(int seed, double exploration, int more)
    {
        using var sim = new RoutingSimulation(seed, exploration: exploration);
        sim.Run(LearningOutcomes);
        var newcomer = sim.AddAgent(family: 0, skill: 0.98);
        var start = sim.Log.Count;
        sim.Run(more);
        var family = sim.Log.Skip(start).Where(l => l.Family == 0).ToList();
        var lastHalf = sim.Log.Skip(start + more / 2).Where(l => l.Family == 0).ToList();
        return (lastHalf.Count(l => l.Agent == newcomer) / (double)lastHalf.Count, family.Count(l => l.Agent == newcomer));
    }
}
