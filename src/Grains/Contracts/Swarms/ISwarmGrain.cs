using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Daa;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Contracts.Views;

namespace SwarmCluster.Contracts.Swarms;

/// <summary>
/// A swarm ("swarm-…"): its configuration, roster, task graph and queue, and the FANN network that routes its
/// tasks (the grain is the network's only owner). Every change to its tasks goes through it, so claims are
/// handed out one at a time and never twice.
/// </summary>
[Alias("swarm.ISwarmGrain")]
public interface ISwarmGrain : IGrainWithStringKey
{
    /// <summary>Creates the swarm and its [128, 64, 32, maxAgents] network. Conflict if it exists, unless it is the same request.</summary>
    [Alias("Initialize")] Task<SwarmInfo> Initialize(SwarmConfig config);

    [Alias("GetInfo")] Task<SwarmInfo> GetInfo();

    [Alias("GetStatus")] Task<SwarmStatus> GetStatus(bool verbose);

    /// <summary>Adds an agent; CapacityExceeded once maxAgents agents exist. A repeated requestId returns the first agent.</summary>
    [Alias("SpawnAgent")] Task<AgentInfo> SpawnAgent(AgentSpec spec);

    /// <summary>Agents of this swarm, optionally only those in one status.</summary>
    [Alias("ListAgents")] Task<IReadOnlyList<AgentInfo>> ListAgents(AgentStatus? status);

    [Alias("GetAgent")] Task<AgentInfo> GetAgent(string agentId);

    /// <summary>The agent's most recent reported results (newest first), from the task records.</summary>
    [Alias("GetAgentHistory")] Task<IReadOnlyList<AgentHistoryEntry>> GetAgentHistory(string agentId, int limit);

    [Alias("SetAgentPattern")] Task<AgentInfo> SetAgentPattern(string agentId, CognitivePattern pattern);

    /// <summary>Creates a task; when ready and spec.Assign, routes it and assigns it with a lease at once.</summary>
    [Alias("Orchestrate")] Task<TaskInfo> Orchestrate(TaskSpec spec);

    /// <summary>Creates several tasks that may depend on each other by key; refuses cycles. Nothing is created on error.</summary>
    [Alias("OrchestrateBatch")] Task<IReadOnlyList<TaskInfo>> OrchestrateBatch(IReadOnlyList<TaskSpec> specs);

    /// <summary>How a task would be routed now, without creating it.</summary>
    [Alias("Rank")] Task<RoutingDecision> Rank(TaskSpec spec);

    /// <summary>Hands out the best ready task (or none) under a lease, atomically.</summary>
    [Alias("Claim")] Task<ClaimResult> Claim(ClaimRequest request);

    /// <summary>Progress from a holder; renews its lease by the task's lease length.</summary>
    [Alias("ReportProgress")] Task<TaskInfo> ReportProgress(string taskId, string? agentId, double progress, string? message);

    /// <summary>Records a worker's result: frees its agents, unblocks or cancels dependents, learns from it.</summary>
    [Alias("CompleteTask")] Task<TaskInfo> CompleteTask(string taskId, TaskCompletion completion);

    [Alias("CancelTask")] Task<TaskCancelResult> CancelTask(string taskId, string? reason);

    [Alias("GetTask")] Task<TaskInfo> GetTask(string taskId, bool detailed);

    /// <summary>Counts over every task and the newest ones (at most limit), optionally of one status.</summary>
    [Alias("ListTasks")] Task<TaskListing> ListTasks(TaskState? status, bool detailed, int limit);

    /// <summary>The task graph, its critical path, stalled tasks and the supervision log.</summary>
    [Alias("GetGraph")] Task<SwarmGraph> GetGraph();

    /// <summary>Runs supervision now: expired leases, agents for tasks nobody can take. Called by the Queen's reminder.</summary>
    [Alias("Supervise")] Task<SupervisionReport> Supervise();

    /// <summary>Runs one input through the routing network (default) or the custom network.</summary>
    [Alias("Process")] Task<float[]> Process(float[] input, NetworkKind network = NetworkKind.Routing);

    [Alias("ProcessBatch")] Task<float[][]> ProcessBatch(float[][] inputs, NetworkKind network = NetworkKind.Routing);

    /// <summary>
    /// Trains the swarm's custom network (same shape, never the routing network) on the given samples for exactly
    /// <paramref name="epochs"/> epochs.
    /// </summary>
    [Alias("Train")] Task<TrainingResult> Train(IReadOnlyList<TrainingSample> samples, int epochs, CancellationToken cancellationToken = default);

    /// <summary>
    /// Trains the routing network on the recorded outcomes now (it also trains by itself every few outcomes);
    /// InvalidArgument if none are recorded yet, Conflict while an automatic training runs. Cancelled, it stops
    /// between epochs and keeps the network as it was.
    /// </summary>
    [Alias("TrainOnOutcomes")] Task<TrainingResult> TrainOnOutcomes(int epochs, CancellationToken cancellationToken = default);

    [Alias("GetNeuralStatus")] Task<NeuralStatus> GetNeuralStatus();

    /// <summary>What the swarm view shows of this swarm: status with agents, graph, training curve, recent routing decisions.</summary>
    [Alias("GetView")] Task<SwarmViewPart> GetView(int recentDecisions);

    /// <summary>The routing network in libfann's .net text (FANN_FLO_2.1), exactly as libfann saves it.</summary>
    [Alias("ExportNetwork")] Task<NetworkExport> ExportNetwork();

    /// <summary>Replaces the routing network with a .net text of the swarm's shape (checked in full before libfann reads it); routing uses it from then on.</summary>
    [Alias("ImportNetwork")] Task<NeuralStatus> ImportNetwork(byte[] fannText);

    /// <summary>Trains the routing network on FANN .data text (input size 128, output size maxAgents), checked before libfann sees it.</summary>
    [Alias("TrainOnFannData")] Task<TrainingResult> TrainOnFannData(byte[] fannData, int epochs);

    /// <summary>Held-out routing accuracy of the network now, over every agent or only the given ones.</summary>
    [Alias("GetRoutingAccuracy")] Task<RoutingAccuracy> GetRoutingAccuracy(IReadOnlyList<string>? agentIds);

    /// <summary>Takes another network's weights (direct copy, gradual blend, adaptive = copy then fine-tune on this swarm's own outcomes).</summary>
    [Alias("TransferNetwork")] Task<TransferReport> TransferNetwork(NetworkExport source, TransferMode mode, IReadOnlyList<string>? agentIds);

    /// <summary>Cancels open tasks, retires agents and tasks and clears the swarm's stored state.</summary>
    [Alias("Destroy")] Task<SwarmDestroyResult> Destroy();
}
