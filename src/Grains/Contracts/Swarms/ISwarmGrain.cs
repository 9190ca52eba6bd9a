using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Contracts.Swarms;

/// <summary>
/// A swarm: its configuration, its agents' roster and the FANN network that routes its tasks.
/// Keyed by a swarm id ("swarm-…"). The grain is the network's only owner.
/// </summary>
[Alias("swarm.ISwarmGrain")]
public interface ISwarmGrain : IGrainWithStringKey
{
    /// <summary>Creates the swarm and its [128, 64, 32, maxAgents] network. Conflict if it already exists.</summary>
    [Alias("Initialize")] Task<SwarmInfo> Initialize(SwarmConfig config);

    [Alias("GetInfo")] Task<SwarmInfo> GetInfo();

    [Alias("GetStatus")] Task<SwarmStatus> GetStatus(bool verbose);

    /// <summary>Adds an agent; fails with CapacityExceeded once maxAgents agents exist.</summary>
    [Alias("SpawnAgent")] Task<AgentInfo> SpawnAgent(AgentSpec spec);

    /// <summary>Agents of this swarm, optionally only those in one status.</summary>
    [Alias("ListAgents")] Task<IReadOnlyList<AgentInfo>> ListAgents(AgentStatus? status);

    /// <summary>Creates a task, routes it to agents (capability match or the trained network) and assigns it.</summary>
    [Alias("Orchestrate")] Task<TaskInfo> Orchestrate(TaskSpec spec);

    /// <summary>How a task would be routed now, without creating it.</summary>
    [Alias("Rank")] Task<RoutingDecision> Rank(TaskSpec spec);

    [Alias("ListTaskIds")] Task<IReadOnlyList<string>> ListTaskIds();

    /// <summary>Called by a task when it completes or fails: frees its agents and records a training sample.</summary>
    [Alias("RecordOutcome")] Task RecordOutcome(TaskOutcome outcome);

    /// <summary>
    /// Called by a task when it starts (InProgress) or is cancelled (Cancelled, which frees its agents without
    /// a training sample), so the swarm's task counts and agent loads stay exact.
    /// </summary>
    [Alias("TaskStateChanged")] Task TaskStateChanged(string taskId, TaskState state);

    [Alias("Process")] Task<float[]> Process(float[] input);

    [Alias("ProcessBatch")] Task<float[][]> ProcessBatch(float[][] inputs);

    /// <summary>Trains on the given samples for exactly <paramref name="epochs"/> epochs.</summary>
    [Alias("Train")] Task<TrainingResult> Train(IReadOnlyList<TrainingSample> samples, int epochs);

    /// <summary>Trains on the recorded task outcomes; InvalidArgument if none are recorded yet.</summary>
    [Alias("TrainOnOutcomes")] Task<TrainingResult> TrainOnOutcomes(int epochs);

    [Alias("GetNeuralStatus")] Task<NeuralStatus> GetNeuralStatus();

    /// <summary>Cancels open tasks, retires agents and clears the swarm's stored state.</summary>
    [Alias("Destroy")] Task<SwarmDestroyResult> Destroy();
}
