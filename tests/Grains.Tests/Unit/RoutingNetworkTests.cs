using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Learning;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains.Tests.Unit;

/// <summary>RoutingNetwork's life cycle, learning rule and state, on real libfann.</summary>
public class RoutingNetworkTests
{
    private const int Outputs = 4;

    [Fact]
    public void Targets_of_unobserved_slots_are_the_network_outputs()
    {
        using var routing = Open(out _, out _);
        for (var i = 0; i < 20; i++)
        {
            routing.Record(Outcome($"task-t{i}", i % 2 == 0 ? "billing refund" : "search index", i % Outputs, i % 3 != 0));
        }

        Train(routing); // outputs no longer all 0.5
        var input = TaskFeatureEncoder.Encode(new TaskText("refund the search index"));
        var outputs = routing.Network.Run(input);
        var targets = RoutingTrainer.Targets(routing.Network, input, 2, 1f);
        Assert.Equal(1f, targets[2]);
        foreach (var slot in new[] { 0, 1, 3 })
        {
            Assert.Equal(outputs[slot], targets[slot]); // bit for bit: no information about them
        }

        Assert.Contains(outputs, o => o != 0.5f);
    }

    [Fact]
    public void Smoothed_targets_average_one_agents_outcomes_on_similar_tasks()
    {
        List<RoutingSample> samples =
        [
            Sample("refund invoice", slot: 0, success: true),
            Sample("refund invoice", slot: 0, success: false),
            Sample("android gesture", slot: 0, success: true),
            Sample("refund invoice", slot: 1, success: false),
        ];
        var inputs = samples.Select(s => TaskFeatureEncoder.Encode(s.Task)).ToList();

        var smoothed = RoutingTrainer.SmoothTargets(samples, inputs, power: 3, prior: 0.5);
        // Two identical tasks of slot 0 (weights 1 and 1) plus the prior 0.5 × 0.5: (1 + 0 + 0.25) / 2.5.
        Assert.Equal(0.5f, smoothed[0], 6);
        Assert.Equal(0.5f, smoothed[1], 6);
        // Nothing in common with the others: its own outcome and the prior, (1 + 0.25) / 1.5.
        Assert.Equal(1.25f / 1.5f, smoothed[2], 6);
        // Slot 1's target never sees slot 0's outcomes.
        Assert.Equal(0.25f / 1.5f, smoothed[3], 6);
        Assert.Equal(samples.Select(s => s.Target), RoutingTrainer.SmoothTargets(samples, inputs, power: 0, prior: 0.5));
    }

    [Fact]
    public void A_fixed_share_is_held_out_by_task_id_and_never_trained_on()
    {
        var ids = Enumerable.Range(0, 2000).Select(i => $"task-{i:x8}").ToList();
        var heldOut = ids.Where(id => OutcomeLog.IsHeldOut(id, 5)).ToList();
        Assert.InRange(heldOut.Count, 340, 460); // one in five
        Assert.Equal(heldOut, ids.Where(id => OutcomeLog.IsHeldOut(id, 5))); // deterministic
        Assert.DoesNotContain(ids, id => OutcomeLog.IsHeldOut(id, 0));

        using var routing = Open(out _, out var outcomes);
        foreach (var id in ids.Take(60))
        {
            Assert.Equal(OutcomeLog.IsHeldOut(id, 5), routing.Record(Outcome(id, "billing refund", 1, true)).HeldOut);
        }

        var expectedHeldOut = ids.Take(60).Count(id => OutcomeLog.IsHeldOut(id, 5));
        Assert.Equal(60L - expectedHeldOut, outcomes.TrainableRecorded);
        using var job = routing.CreateTrainingJob(TrainingTrigger.Manual, epochs: 1);
        Assert.Equal((60 - expectedHeldOut, expectedHeldOut), (job.Samples, job.HeldOutSamples));
    }

    [Fact]
    public async Task Training_is_due_every_K_trainable_outcomes_and_runs_on_a_copy_until_applied()
    {
        var options = new RoutingLearningOptions { TrainEveryOutcomes = 3, HeldOutEvery = 0 };
        using var routing = Open(out var network, out var outcomes, options);
        Assert.False(routing.Trained);
        Assert.Null(routing.RoutingScores(new TaskText("anything")));

        Assert.False(routing.Record(Outcome("task-a", "billing refund", 0, true)).TrainingDue);
        Assert.False(routing.Record(Outcome("task-b", "search index", 1, true)).TrainingDue);
        Assert.True(routing.Record(Outcome("task-c", "billing refund", 1, false)).TrainingDue);
        Assert.False(routing.Record(Outcome("task-c", "billing refund", 1, false)).Recorded); // a retried notification
        Assert.Equal(3, outcomes.Samples.Count);
        Assert.Equal([1L, 2L], outcomes.FinishedBySlot);

        var task = new TaskText("refund an invoice");
        var before = routing.Score(task);
        var job = routing.CreateTrainingJob(TrainingTrigger.Automatic);
        Assert.True(routing.TrainingRunning);
        Assert.False(routing.TrainingDue);
        Assert.Throws<InvalidOperationException>(() => routing.CreateTrainingJob(TrainingTrigger.Manual));

        var result = await Task.Run(() => job.Run()); // any thread
        Assert.Equal(before, routing.Score(task)); // the owner's network is untouched until Apply
        Assert.Null(network.Network);

        var entry = routing.Apply(result);
        job.Dispose();
        Assert.NotNull(entry);
        Assert.Equal(TrainingTrigger.Automatic, entry.Trigger);
        Assert.Equal((3, 0, RoutingLearningOptions.Default.EpochsPerTraining), (entry.Samples, entry.HeldOutSamples, entry.Epochs));
        Assert.Null(entry.HeldOutAccuracyBefore); // nothing held out
        Assert.NotEqual(before, routing.Score(task));
        Assert.True(routing.Trained);
        Assert.NotNull(routing.RoutingScores(task));
        Assert.NotNull(network.Network);
        Assert.Equal((1, 3L, entry.Epochs), (network.Trainings, network.TrainedThroughOutcome, network.EpochsTrained));
        Assert.Equal([entry], network.History);
        Assert.Equal(0, routing.NewTrainableOutcomes);
        Assert.False(routing.TrainingRunning);

        // The stored bytes reopen to the same network, bit for bit.
        using var reopened = RoutingNetwork.Open(Outputs, 7, network, outcomes, options);
        Expect.BitIdentical(routing.Score(task), reopened.Score(task));
    }

    [Fact]
    public void A_result_whose_job_was_abandoned_is_not_applied()
    {
        using var routing = Open(out var network, out _);
        routing.Record(Outcome("task-a", "billing refund", 0, true));
        RoutingTrainingResult result;
        using (var job = routing.CreateTrainingJob(TrainingTrigger.Manual, epochs: 2))
        {
            result = job.Run();
        }

        Assert.False(routing.TrainingRunning);
        Assert.Null(routing.Apply(result));
        Assert.False(routing.Trained);
        Assert.Empty(network.History);
    }

    [Fact]
    public void History_is_bounded_and_long_trainings_keep_a_thinned_mse_curve()
    {
        var options = new RoutingLearningOptions { MaxTrainingHistory = 3, MaxEpochMsePerEntry = 10, HeldOutEvery = 0 };
        using var routing = Open(out var network, out _, options);
        routing.Record(Outcome("task-a", "billing refund", 0, true));
        routing.Record(Outcome("task-b", "search index", 1, false));

        using var job = routing.CreateTrainingJob(TrainingTrigger.Manual, epochs: 95);
        var result = job.Run();
        var entry = routing.Apply(result)!;
        Assert.Equal(95, entry.Epochs);
        Assert.Equal(95, result.EpochMse.Count);
        Assert.InRange(entry.EpochMse.Count, 2, 10);
        Assert.Equal(result.EpochMse[0], entry.EpochMse[0]);
        Assert.Equal(result.EpochMse[^1], entry.EpochMse[^1]);
        Assert.Equal(result.EpochMse[entry.EpochMseStride], entry.EpochMse[1]);

        for (var i = 0; i < 3; i++)
        {
            using var again = routing.CreateTrainingJob(TrainingTrigger.Manual, epochs: 1);
            routing.Apply(again.Run());
        }

        Assert.Equal(3, network.History.Count);
        Assert.Equal(4, network.Trainings);
        Assert.Equal(98, network.EpochsTrained);
        Assert.Equal(4, routing.Status().Trainings);
    }

    [Fact]
    public void Nothing_to_train_on_is_a_clear_error()
    {
        using var routing = Open(out _, out _);
        var ex = Assert.Throws<DomainException>(() => routing.CreateTrainingJob(TrainingTrigger.Manual));
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("no task outcomes", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => routing.Record(Outcome("task-a", "x y", Outputs, true)));
    }

    [Fact]
    public void Supplied_samples_train_the_custom_network_and_leave_the_routing_network_bit_identical()
    {
        using var routing = Open(out var network, out _);
        routing.Record(Outcome("task-a", "billing refund", 0, true));
        routing.Record(Outcome("task-b", "search index", 1, false));
        using (var job = routing.CreateTrainingJob(TrainingTrigger.Manual, epochs: 5))
        {
            routing.Apply(job.Run());
        }

        var weights = routing.Network.GetWeights();
        var bytes = network.Network!.ToArray();
        var custom = new SwarmCustomNetworkState();
        using var model = CustomNetwork.Open(Outputs, CustomNetwork.SeedFor("swarm-test"), custom);
        var untrained = model.Network.GetWeights();

        var inputs = Enumerable.Range(0, 8).Select(i => Enumerable.Range(0, 128).Select(k => (k + i) % 7 == 0 ? 1f : 0f).ToArray()).ToList();
        var targets = inputs.Select((_, i) => new[] { i % 2 == 0 ? 1f : 0f, 0f, 1f, 0f }).ToList();
        var report = model.Train(inputs, targets, 20);

        Assert.Equal(20, report.Epochs);
        Assert.NotEqual(untrained, model.Network.GetWeights());
        Assert.True(custom.Trained);
        Assert.Equal((20, 8), (custom.EpochsTrained, custom.LastSamples));
        Assert.NotNull(custom.Network);
        Expect.BitIdentical(weights, routing.Network.GetWeights());
        Assert.Equal(bytes, network.Network);
        Assert.Equal(1, network.Trainings);

        using var reopened = CustomNetwork.Open(Outputs, CustomNetwork.SeedFor("swarm-test"), custom);
        Expect.BitIdentical(model.Network.GetWeights(), reopened.Network.GetWeights());
    }

    [Fact]
    public void Old_format_rows_read_back_through_the_storage_serializer()
    {
        // As the ADO.NET provider stored them before credit, task features and learning counters existed:
        // a parallel task with two slots, a success with quality, a failure, and a sample without any slot.
        const string outcomesJson = """
            {"$type":"SwarmCluster.Grains.State.SwarmOutcomeState, SwarmCluster.Grains",
             "Samples":{"$type":"System.Collections.Generic.List`1[[SwarmCluster.Grains.State.OutcomeSample, SwarmCluster.Grains]], System.Private.CoreLib","$values":[
               {"$type":"SwarmCluster.Grains.State.OutcomeSample, SwarmCluster.Grains","TaskId":"task-old1","Text":"write the billing report",
                "Slots":{"$type":"System.Collections.Generic.List`1[[System.Int32, System.Private.CoreLib]], System.Private.CoreLib","$values":[2,0]},"Target":0.75,"At":"2026-11-01T10:00:00+00:00"},
               {"$type":"SwarmCluster.Grains.State.OutcomeSample, SwarmCluster.Grains","TaskId":"task-old2","Text":"index the search logs",
                "Slots":{"$type":"System.Collections.Generic.List`1[[System.Int32, System.Private.CoreLib]], System.Private.CoreLib","$values":[1]},"At":"2026-11-01T10:05:00+00:00"},
               {"$type":"SwarmCluster.Grains.State.OutcomeSample, SwarmCluster.Grains","TaskId":"task-old3","Text":"lost its agents",
                "Slots":{"$type":"System.Collections.Generic.List`1[[System.Int32, System.Private.CoreLib]], System.Private.CoreLib","$values":[]},"Target":1.0,"At":"2026-11-01T10:06:00+00:00"}]}}
            """;
        const string networkJson = """
            {"$type":"SwarmCluster.Grains.State.SwarmNetworkState, SwarmCluster.Grains","EpochsTrained":5,"LastMse":0.01,"Trained":false}
            """;
        var serializer = StorageSerializer();
        var outcomes = serializer.Deserialize<SwarmOutcomeState>(new BinaryData(Encoding.UTF8.GetBytes(outcomesJson)))!;
        var network = serializer.Deserialize<SwarmNetworkState>(new BinaryData(Encoding.UTF8.GetBytes(networkJson)))!;
        Assert.Equal(3, outcomes.Samples.Count);
        Assert.Null(outcomes.Samples[0].CreditedSlot);
        Assert.Empty(network.History);

        using var routing = RoutingNetwork.Open(Outputs, 7, network, outcomes);
        var samples = routing.Samples();
        Assert.Equal(2, samples.Count); // the sample without a slot is dropped
        Assert.Equal((2, 0.75f, true, TaskPriority.Medium), (samples[0].Slot, samples[0].Target, samples[0].Success, samples[0].Task.Priority)); // first slot credited
        Assert.Equal((1, 0f, false), (samples[1].Slot, samples[1].Target, samples[1].Success));
        Assert.Equal(OutcomeLog.IsHeldOut("task-old1", 5), samples[0].HeldOut);
        // Counters missing from old rows are derived from the log.
        Assert.Equal((long)samples.Count(s => !s.HeldOut), outcomes.TrainableRecorded);
        Assert.Equal([0L, 1L, 1L], outcomes.FinishedBySlot);

        // New rows round-trip with every member, and old readers still find Slots and Target.
        routing.Record(Outcome("task-new", "refund twice", 3, true, TaskPriority.Critical, ["billing"]));
        var again = serializer.Deserialize<SwarmOutcomeState>(serializer.Serialize(outcomes))!;
        var stored = again.Samples[^1];
        Assert.Equal((3, true, TaskPriority.Critical, "billing"), (stored.CreditedSlot, stored.Success, stored.Priority, stored.RequiredCapabilities!.Single()));
        Assert.Equal([3], stored.Slots);
        Assert.Equal(1f, stored.Target);
        Assert.Equal(outcomes.TrainableRecorded, again.TrainableRecorded);

        using (var job = routing.CreateTrainingJob(TrainingTrigger.Manual, epochs: 3))
        {
            routing.Apply(job.Run());
        }

        var trained = serializer.Deserialize<SwarmNetworkState>(serializer.Serialize(network))!;
        Assert.Equal(network.History[0].EpochMse, trained.History[0].EpochMse);
        Assert.Equal(network.History[0] with { EpochMse = [] }, trained.History[0] with { EpochMse = [] });
        Assert.Equal((true, 1, network.TrainedThroughOutcome), (trained.Trained, trained.Trainings, trained.TrainedThroughOutcome));
        Assert.Equal(network.Network, trained.Network);
    }

    [Fact]
    public void Adopting_a_network_swaps_it_in_makes_a_running_training_stale_and_records_the_held_out_change()
    {
        using var routing = Open(out var network, out _);
        for (var i = 0; i < 40; i++)
        {
            routing.Record(Outcome($"task-a{i}", i % 2 == 0 ? "billing refund" : "search index", i % 2, i % 2 == 0));
        }

        // A trained twin to adopt: the same outcomes, trained outside.
        using var twin = Open(out _, out _);
        for (var i = 0; i < 40; i++)
        {
            twin.Record(Outcome($"task-a{i}", i % 2 == 0 ? "billing refund" : "search index", i % 2, i % 2 == 0));
        }

        using (var twinJob = twin.CreateTrainingJob(TrainingTrigger.Manual, epochs: 50))
        {
            Assert.NotNull(twin.Apply(twinJob.Run()));
        }

        var before = routing.EvaluateHeldOut();
        Assert.True(before.Count > 0);
        using var job = routing.CreateTrainingJob(TrainingTrigger.Automatic, epochs: 1);
        var incoming = twin.Network.Copy();
        incoming.LearningRate = 0.01f; // training parameters become routing's own
        var entry = routing.Adopt(incoming, TrainingTrigger.Imported);

        Assert.Same(incoming, routing.Network);
        Assert.Equal(RoutingNetwork.LearningRate, routing.Network.LearningRate);
        Assert.True(routing.Trained);
        Assert.Equal(incoming.ToBytes(), network.Network);
        Assert.Equal(TrainingTrigger.Imported, Assert.Single(network.History).Trigger);
        Assert.Equal(0, network.Trainings); // nothing was trained here
        Assert.Equal(before.Accuracy, entry.HeldOutAccuracyBefore);
        Assert.Equal(twin.EvaluateHeldOut().Accuracy, entry.HeldOutAccuracyAfter);
        Assert.Equal(routing.EvaluateHeldOut().Accuracy, entry.HeldOutAccuracyAfter);
        Assert.True(entry.HeldOutAccuracyAfter > entry.HeldOutAccuracyBefore, $"{entry.HeldOutAccuracyBefore} → {entry.HeldOutAccuracyAfter}");
        Assert.Null(routing.Apply(job.Run())); // trained the replaced network: discarded
        Assert.Same(incoming, routing.Network);

        using var wrong = RoutingNetwork.CreateUntrained(Outputs + 1, 1);
        Assert.Throws<ArgumentException>(() => routing.Adopt(wrong, TrainingTrigger.Imported));
    }

    [Fact]
    public void A_stored_network_with_other_activations_than_routings_own_opens_and_scores_as_libfann_runs_it()
    {
        // What neural_import may store: libfann's default-created net, sigmoid hidden and stepwise outputs.
        using var other = Fann.NeuralNetwork.CreateStandard(128, 64, 32, Outputs);
        other.HiddenActivation = Fann.ActivationFunction.Sigmoid;
        other.OutputActivation = Fann.ActivationFunction.SigmoidStepwise;
        other.RandomizeWeights(-0.5f, 0.5f, seed: 3);
        var stored = new SwarmNetworkState { Network = other.ToBytes(), Trained = true };

        using var routing = RoutingNetwork.Open(Outputs, 7, stored, new SwarmOutcomeState());
        var task = new TaskText("index the billing tables");
        Assert.Equal(Fann.ActivationFunction.Sigmoid, routing.Network.HiddenActivation);
        Assert.Equal(other.Run(TaskFeatureEncoder.Encode(task)), routing.RoutingScores(task));
    }

    [Fact]
    public void An_untrained_network_is_described_before_it_is_built_as_it_is_once_built_from_its_seed()
    {
        using var routing = Open(out _, out _);
        var before = routing.Description; // not built yet: the shape's configured network
        var described = Describe(before);
        Assert.Equal([RoutingNetwork.InputSize, .. RoutingNetwork.HiddenLayers, Outputs], before.LayerSizes);
        Assert.Equal((Fann.ActivationFunction.SigmoidSymmetric, Fann.ActivationFunction.Sigmoid, RoutingNetwork.LearningRate, RoutingNetwork.Algorithm),
            (before.HiddenActivation, before.OutputActivation, before.LearningRate, before.TrainingAlgorithm));

        var built = routing.Network;
        Assert.NotSame(before, built);
        Assert.Same(built, routing.Description);
        Assert.Equal(described, Describe(built));
        using var seeded = RoutingNetwork.CreateUntrained(Outputs, 7);
        Assert.Equal(seeded.GetWeights(), built.GetWeights());
        Assert.Contains(built.GetWeights(), w => w != 0f); // the seed's weights, not the shape's
    }

    private static string Describe(Fann.NeuralNetwork n) => string.Join(",", n.LayerSizes) + $" {n.ConnectionCount} {n.HiddenActivation} " +
        $"{n.HiddenActivationSteepness} {n.OutputActivation} {n.TrainingAlgorithm} {n.LearningRate} {n.TrainErrorFunction}";

    private static RoutingNetwork Open(out SwarmNetworkState network, out SwarmOutcomeState outcomes, RoutingLearningOptions? options = null)
    {
        network = new SwarmNetworkState();
        outcomes = new SwarmOutcomeState();
        return RoutingNetwork.Open(Outputs, 7, network, outcomes, options);
    }

    private static void Train(RoutingNetwork routing)
    {
        using var job = routing.CreateTrainingJob(TrainingTrigger.Manual, epochs: 10);
        Assert.NotNull(routing.Apply(job.Run()));
    }

    private static RoutingOutcome Outcome(string taskId, string text, int slot, bool success, TaskPriority priority = TaskPriority.Medium, IReadOnlyList<string>? capabilities = null) =>
        new(taskId, new TaskText(text, priority, capabilities), slot, success, null, DateTimeOffset.UnixEpoch);

    private static RoutingSample Sample(string text, int slot, bool success) =>
        new($"task-{text}-{slot}-{success}", new TaskText(text), slot, success ? 1f : 0f, success, false);

    /// <summary>
    /// The serializer the ADO.NET grain storage uses by default (Newtonsoft JSON with type names and Orleans' type
    /// allow-list), from an Orleans client's services (built, never started: nothing connects).
    /// </summary>
    private static IGrainStorageSerializer StorageSerializer()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client => client.UseLocalhostClustering());
        builder.Services.TryAddSingleton<OrleansJsonSerializer>();
        var services = builder.Build().Services;
        return new JsonGrainStorageSerializer(services.GetRequiredService<OrleansJsonSerializer>());
    }
}
