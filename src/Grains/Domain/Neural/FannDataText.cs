using System.Text;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Fann;

namespace SwarmCluster.Grains.Neural;

/// <summary>FANN's training-data text (.data: "pairs inputs outputs", then each pair's inputs and outputs) as samples for the routing network.</summary>
internal static class FannDataText
{
    public static List<TrainingSample> Samples(byte[] text, int inputs, int outputs, string parameter, string swarmId)
    {
        if (text is null || text.Length == 0)
        {
            throw DomainException.Invalid(parameter, "must not be empty (FANN .data text)");
        }

        if (text.Length > DaaLimits.MaxTrainingTextBytes)
        {
            throw DomainException.Invalid(parameter, $"must be at most {DaaLimits.MaxTrainingTextBytes} bytes (got {text.Length})");
        }

        TrainingData data;
        try
        {
            // Parsed and checked in managed code (the binding's reader); libfann only gets the finished arrays.
            data = TrainingData.Parse(Encoding.UTF8.GetString(text));
        }
        catch (ArgumentException e)
        {
            throw DomainException.Invalid(parameter, e.Message);
        }

        using (data)
        {
            if (data.InputCount != inputs || data.OutputCount != outputs)
            {
                throw DomainException.Invalid(parameter,
                    $"has {data.InputCount} inputs and {data.OutputCount} outputs per pair; swarm '{swarmId}' needs {inputs} inputs (task features) and {outputs} outputs (one per agent slot, maxAgents)");
            }

            if (data.Count > SwarmLimits.MaxTrainingSamples)
            {
                throw DomainException.Invalid(parameter, $"must hold at most {SwarmLimits.MaxTrainingSamples} pairs (got {data.Count})");
            }

            return Enumerable.Range(0, data.Count).Select(i => new TrainingSample(data.GetInput(i), data.GetOutput(i))).ToList();
        }
    }
}
