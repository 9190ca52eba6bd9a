using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using ModelContextProtocol.Server;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Gateway.Cluster;
using SwarmCluster.Gateway.Security;

namespace SwarmCluster.Gateway.Tools;

/// <summary>neural_export, neural_import: a swarm's routing network in libfann's own .net text, and training data in FANN's .data text.</summary>
[McpServerToolType]
public sealed class NetworkFileTools(GrainCalls grains)
{
    public const string Format = "FANN_FLO_2.1";

    [McpServerTool(Name = "neural_export", ReadOnly = true, Idempotent = true), ToolScope(Scope.Read), Description(
        "Export the swarm's routing network (the one that learns from task outcomes and routes; not the custom " +
        "network neural_train samples train) as libfann's own .net text (FANN_FLO_2.1, what fann_save writes): " +
        "fann_create_from_file loads it and gives the same outputs. Layers [128, 64, 32, maxAgents]; output i " +
        "scores the agent in slot i.")]
    public async Task<NetworkExportResult> NeuralExport(
        [Description("Swarm whose network to export (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var swarm = await grains.ResolveSwarm(swarmId, cancellationToken);
        var export = await grains.Read(() => grains.Swarm(swarm).ExportNetwork(), cancellationToken);
        return new NetworkExportResult(swarm, Format, export.Layers, export.Trained, export.EpochsTrained, export.FannText.Length,
            Convert.ToHexStringLower(SHA256.HashData(export.FannText)), Encoding.ASCII.GetString(export.FannText));
    }

    [McpServerTool(Name = "neural_import", Destructive = true), ToolScope(Scope.Write), Description(
        "Import FANN files into a swarm: `network` — a libfann .net text (FANN_FLO_2.1), a layered network with " +
        "exactly the swarm's layers [128, 64, 32, maxAgents], an output activation in 0..1 (sigmoid, " +
        "sigmoid_stepwise, elliot, linear_piece) and trainable hidden activations — replaces the routing network, " +
        "which routes from then on and keeps learning from outcomes (the result has its held-out accuracy before " +
        "and after); and/or `trainingData` — FANN .data text (header 'pairs inputs outputs', then each pair's 128 " +
        "inputs and maxAgents outputs in 0..1): supplied samples, so like neural_train's they train the custom " +
        "network for `epochs`, never routing. Everything is checked before libfann reads it. " +
        "A text longer than 65,536 characters goes in pieces: networkParts / trainingDataParts, joined in order.")]
    public async Task<NetworkImportResult> NeuralImport(
        [Description("The .net text (at most 65,536 characters; else use networkParts)")] string? network = null,
        [Description("The .net text in consecutive pieces, joined as given"), MaxLength(DaaLimits.MaxTextParts)] string[]? networkParts = null,
        [Description("FANN .data training text (at most 65,536 characters; else use trainingDataParts)")] string? trainingData = null,
        [Description("The .data text in consecutive pieces, joined as given"), MaxLength(DaaLimits.MaxTextParts)] string[]? trainingDataParts = null,
        [Description("Epochs to train on trainingData"), Range(1, SwarmLimits.MaxEpochs)] int epochs = 10,
        [Description("Swarm to import into (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var net = Join(network, "network", networkParts, "networkParts", DaaLimits.MaxNetworkTextBytes);
        var data = Join(trainingData, "trainingData", trainingDataParts, "trainingDataParts", DaaLimits.MaxTrainingTextBytes);
        if (net is null && data is null)
            throw DomainException.Invalid("network", "give network (or networkParts) and/or trainingData (or trainingDataParts)");

        var swarm = await grains.ResolveSwarm(swarmId, cancellationToken);
        var grain = grains.Swarm(swarm);
        NeuralStatus? status = null;
        TrainingResult? training = null;
        if (net is not null)
            status = await grains.Write(() => grain.ImportNetwork(net), cancellationToken);
        if (data is not null)
        {
            training = await grains.Write(() => grain.TrainOnFannData(data, epochs), cancellationToken);
            status = await grains.Read(() => grain.GetNeuralStatus(), cancellationToken);
        }

        var imported = net is null ? null : status!.Learning?.History.LastOrDefault(h => h.Trigger == TrainingTrigger.Imported);
        return new NetworkImportResult(swarm, net is not null, net?.Length, training?.Samples, training?.EpochMse.Count,
            training is null ? null : Values.Finite(training.EpochMse.Count > 0 ? training.EpochMse[^1] : null), status!,
            training is null ? null : Values.Name(training.Network), imported?.HeldOutAccuracyBefore, imported?.HeldOutAccuracyAfter, imported?.HeldOutSamples);
    }

    private static byte[]? Join(string? whole, string wholeName, string[]? parts, string partsName, int maxBytes)
    {
        if (whole is not null && parts is not null)
            throw DomainException.Invalid(partsName, $"give {wholeName} or {partsName}, not both");
        var text = whole ?? (parts is null ? null : string.Concat(parts));
        if (text is null)
            return null;
        var bytes = Encoding.UTF8.GetBytes(text);
        return bytes.Length <= maxBytes
            ? bytes
            : throw DomainException.Invalid(whole is null ? partsName : wholeName, $"must be at most {maxBytes} bytes in all (got {bytes.Length})");
    }
}

public sealed record NetworkExportResult(
    string SwarmId, string Format, IReadOnlyList<int> Layers, bool Trained, int EpochsTrained, int Bytes, string Sha256, string Network);

public sealed record NetworkImportResult(
    string SwarmId, bool NetworkImported, int? NetworkBytes, int? TrainingPairs, int? EpochsTrained, double? FinalMse, NeuralStatus Network,
    string? TrainedNetwork, double? HeldOutAccuracyBefore, double? HeldOutAccuracyAfter, int? HeldOutOutcomes);
