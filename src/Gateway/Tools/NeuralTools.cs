using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ModelContextProtocol.Server;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Gateway.Cluster;
using SwarmCluster.Gateway.Mcp;
using SwarmCluster.Contracts;

namespace SwarmCluster.Gateway.Tools;

/// <summary>neural_status, neural_train, neural_patterns, neural_process: the swarm's FANN routing network.</summary>
[McpServerToolType]
public sealed class NeuralTools(GrainCalls grains)
{
    public const int MaxBatch = SwarmLimits.MaxBatch;

    /// <summary>Parts a training with progress is split into (one notification after each).</summary>
    public const int ProgressParts = 10;

    [McpServerTool(Name = "neural_status", ReadOnly = true, Idempotent = true), Description(
        "Status of the swarm's routing network: layers, connections, activations, training algorithm, epochs " +
        "trained, last MSE, recorded outcomes, and how it learns: it trains by itself every few task outcomes, " +
        "holds a share of outcomes out and reports its accuracy on them before and after each training. Output i " +
        "scores the agent in slot i. Also the swarm's custom network (trained only on supplied samples). With " +
        "agentId, the network of that agent's swarm and the agent's slot.")]
    public async Task<NeuralStatusResult> NeuralStatus(
        [Description("Specific agent ID (optional)")] string? agentId = null,
        [Description("Swarm whose network to report (default: the newest swarm; ignored when agentId is given)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var (swarm, agent) = await Target(agentId, swarmId, cancellationToken);
        var status = await grains.Read(() => grains.Swarm(swarm).GetNeuralStatus(), cancellationToken);
        return new NeuralStatusResult(swarm, status,
            agent is null ? null : new AgentSlot(agent.Id, agent.Name, agent.Slot, agent.Pattern, agent.Metrics.TasksCompleted + agent.Metrics.TasksFailed));
    }

    [McpServerTool(Name = "neural_train"), Description(
        "Without samples: train the swarm's routing network now for `iterations` epochs on the recorded task " +
        "outcomes (it also trains by itself every few outcomes). With samples ({input: [input-size numbers], " +
        "target: [maxAgents numbers]}): train the swarm's custom network, a separate network of the same shape that " +
        "never routes, so supplied samples cannot overwrite what routing learned (run it with neural_process " +
        "network=custom). Returns each epoch's MSE and which network trained. With agentId, that agent's swarm.")]
    public async Task<NeuralTrainResult> NeuralTrain(
        [Description("Agent whose swarm's network to train (optional)")] string? agentId = null,
        [Description("Number of training iterations (epochs)"), Range(TrainingLimits.MinIterations, TrainingLimits.MaxIterations)] int iterations = 10,
        [Description("Training samples; omit to train on recorded task outcomes"), MaxLength(TrainingLimits.MaxSamples)] SampleArgument[]? samples = null,
        [Description("Swarm whose network to train (default: the newest swarm; ignored when agentId is given)")] string? swarmId = null,
        ToolProgress? progress = null,
        CancellationToken cancellationToken = default)
    {
        var (swarm, agent) = await Target(agentId, swarmId, cancellationToken);
        var grain = grains.Swarm(swarm);
        TrainingResult result;
        if (samples is null)
        {
            result = await TrainInParts(iterations, progress, epochs => grains.Write(() => grain.TrainOnOutcomes(epochs, cancellationToken), cancellationToken), cancellationToken);
        }
        else
        {
            if (samples.Length == 0)
                throw DomainException.Invalid("samples", "must not be empty (omit it to train on recorded outcomes)");
            var layers = (await grains.Read(() => grain.GetNeuralStatus(), cancellationToken)).Layers;
            var training = samples.Select((s, i) => s is null
                ? throw DomainException.Invalid($"samples[{i}]", "must be an object {input, target}")
                : new TrainingSample(
                    Values.Vector(s.Input, $"samples[{i}].input", layers[0], "the network's input size"),
                    Values.Vector(s.Target, $"samples[{i}].target", layers[^1], "the network's output size: one per agent slot"))).ToList();
            result = await TrainInParts(iterations, progress, epochs => grains.Write(() => grain.Train(training, epochs, cancellationToken), cancellationToken), cancellationToken);
        }
        return new NeuralTrainResult(swarm, agent?.Id, iterations, result.Source, result.Samples,
            result.EpochMse.Select(m => Values.Finite(m)).ToList(), Values.Finite(result.EpochMse.Count > 0 ? result.EpochMse[^1] : null),
            Values.Round(result.DurationMs), result.TotalEpochsTrained, result.Network);
    }

    /// <summary>
    /// With a progressToken, trains in up to <see cref="ProgressParts"/> consecutive parts (the same epochs on the same
    /// network) and reports after each, stopping between parts once cancelled; without one, in one grain call. For
    /// the routing network each part is one manual training (its own history entry, held-out accuracy measured
    /// before and after); a cancelled part stops between epochs and applies nothing.
    /// </summary>
    private static async Task<TrainingResult> TrainInParts(int iterations, ToolProgress? progress, Func<int, Task<TrainingResult>> train, CancellationToken cancellationToken)
    {
        if (progress is not { Requested: true })
            return await train(iterations);

        var part = (iterations + ProgressParts - 1) / ProgressParts;
        var epochMse = new List<float>(iterations);
        var durationMs = 0.0;
        TrainingResult? last = null;
        for (var done = 0; done < iterations;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var epochs = Math.Min(part, iterations - done);
            last = await train(epochs);
            epochMse.AddRange(last.EpochMse);
            durationMs += last.DurationMs;
            done += epochs;
            await progress.ReportAsync(done, iterations, $"epoch {done} of {iterations}: MSE {last.EpochMse[^1]:G6}", cancellationToken);
        }

        return last! with { EpochMse = epochMse, DurationMs = durationMs };
    }

    [McpServerTool(Name = "neural_patterns", ReadOnly = true, Idempotent = true), Description(
        "Cognitive patterns: what each one means (fixed documentation text) and which agents, read from the " +
        "cluster, use it. ruv-swarm's 'abstract' has no counterpart here: it is answered with an empty agent list.")]
    public async Task<NeuralPatternsResult> NeuralPatterns(
        [Description("Cognitive pattern type")] PatternChoice pattern = PatternChoice.All,
        [Description("Only agents of this swarm (default: every swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var swarmIds = swarmId is not null
            ? [Ids.Swarm(swarmId)]
            : await grains.Read(() => grains.Registry.ListSwarms(), cancellationToken);
        var lists = await Task.WhenAll(swarmIds.Select(s => grains.Read(() => grains.Swarm(s).ListAgents(null), cancellationToken)));
        var agents = lists.SelectMany(a => a).ToList();

        var selected = pattern == PatternChoice.All
            ? PatternDocs.All
            : PatternDocs.All.Where(d => d.Pattern == Values.Wire(pattern)).ToList();
        var rows = selected.Select(doc =>
        {
            var users = doc.Member is { } member
                ? agents.Where(a => a.Pattern == member).Select(a => new PatternUser(a.Id, a.SwarmId, a.Name, a.Type)).ToList()
                : [];
            return new PatternInfo(doc.Pattern, doc.Member is not null, doc.Description, doc.SuitedFor, users.Count, users);
        }).ToList();
        return new NeuralPatternsResult(pattern, swarmIds.Count, agents.Count, rows, PatternDocs.Note);
    }

    [McpServerTool(Name = "neural_process", ReadOnly = true), Description(
        "Run the swarm's routing network (or, with network=custom, its custom network trained by neural_train " +
        "samples): `input` (one vector of the input size, 128) or `inputs` (a batch). Output i scores the agent " +
        "in slot i; the slots are listed with their agents.")]
    public async Task<NeuralProcessResult> NeuralProcess(
        [Description("One input vector")] double[]? input = null,
        [Description("A batch of input vectors"), MaxLength(MaxBatch)] double[][]? inputs = null,
        [Description("Swarm whose network to run (default: the newest swarm)")] string? swarmId = null,
        [Description("Which network: routing (learns from outcomes, ranks agents) or custom (trained on neural_train samples)")] NetworkKind network = NetworkKind.Routing,
        CancellationToken cancellationToken = default)
    {
        var kind = network;
        if ((input is null) == (inputs is null))
            throw DomainException.Invalid(input is null ? "input" : "inputs", "give exactly one of input (a vector) or inputs (a batch)");
        if (inputs is { Length: 0 })
            throw DomainException.Invalid("inputs", "must not be empty");

        var swarm = await grains.ResolveSwarm(swarmId, cancellationToken);
        var grain = grains.Swarm(swarm);
        var statusTask = grains.Read(() => grain.GetNeuralStatus(), cancellationToken);
        var agentsTask = grains.Read(() => grain.ListAgents(null), cancellationToken);
        var inputSize = (await statusTask).Layers[0];

        float[][] outputs;
        if (input is not null)
        {
            var vector = Values.Vector(input, "input", inputSize, "the network's input size");
            outputs = [await grains.Read(() => grain.Process(vector, kind), cancellationToken)];
        }
        else
        {
            var batch = inputs!.Select((v, i) => Values.Vector(v, $"inputs[{i}]", inputSize, "the network's input size")).ToArray();
            outputs = await grains.Read(() => grain.ProcessBatch(batch, kind), cancellationToken);
        }

        var slots = (await agentsTask).OrderBy(a => a.Slot).Select(a => new SlotOwner(a.Slot, a.Id, a.Name)).ToList();
        var shaped = outputs.Select(o => o.Select(x => Values.Finite(x)).ToList()).ToList();
        return new NeuralProcessResult(swarm, kind, outputs.Length, outputs.Length > 0 ? outputs[0].Length : 0,
            input is not null ? shaped[0] : null, inputs is not null ? shaped : null, slots);
    }

    private async Task<(string Swarm, AgentInfo? Agent)> Target(string? agentId, string? swarmId, CancellationToken cancellationToken)
    {
        if (agentId is null)
            return (await grains.ResolveSwarm(swarmId, cancellationToken), null);
        var swarm = await grains.SwarmOfAgent(agentId, cancellationToken);
        var agent = await grains.Read(() => grains.Swarm(swarm).GetAgent(agentId), cancellationToken);
        if (swarmId is not null && swarmId != agent.SwarmId)
            throw DomainException.Invalid("swarmId", $"agent '{agent.Id}' belongs to swarm '{agent.SwarmId}', not '{swarmId}'");
        return (agent.SwarmId, agent);
    }
}

/// <summary>One supervised example as the client sends it.</summary>
public sealed record SampleArgument(
    [property: Description("Input vector (the network's input size, 128)")] double[] Input,
    [property: Description("Target vector (one value per agent slot, maxAgents)")] double[] Target);

public sealed record AgentSlot(string AgentId, string Name, int Slot, CognitivePattern Pattern, int OutcomesRecorded);

public sealed record NeuralStatusResult(string SwarmId, NeuralStatus Network, AgentSlot? Agent);

public sealed record NeuralTrainResult(
    string SwarmId, string? AgentId, int Epochs, TrainingSource Source, int Samples, IReadOnlyList<double?> EpochMse,
    double? FinalMse, double DurationMs, int TotalEpochsTrained, NetworkKind Network);

public sealed record PatternUser(string AgentId, string SwarmId, string Name, AgentType Type);

public sealed record PatternInfo(string Pattern, bool Supported, string Description, string SuitedFor, int AgentCount, IReadOnlyList<PatternUser> Agents);

public sealed record NeuralPatternsResult(PatternChoice Pattern, int SwarmsScanned, int AgentsScanned, IReadOnlyList<PatternInfo> Patterns, string Note);

public sealed record SlotOwner(int Slot, string AgentId, string Name);

public sealed record NeuralProcessResult(
    string SwarmId, NetworkKind Network, int Count, int OutputSize, IReadOnlyList<double?>? Output, IReadOnlyList<IReadOnlyList<double?>>? Outputs, IReadOnlyList<SlotOwner> Slots);
