using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Daa;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Queen;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

// Persisted grain state. Rows are written in Orleans' binary format (Hosting/Storage/GrainStateFormat): members
// by their [Id], so to evolve a state add members with new ids (missing ones read as defaults, unknown ones are
// skipped) and never reuse or renumber an id. Rows written by earlier versions are Newtonsoft JSON with
// TypeNameHandling.All and are still read until their next write: every object there carries
// "$type": "<namespace>.<class>, <assembly>" (CLR names, not the [Alias] below). So the namespace
// SwarmCluster.Grains.State, every class name here and the assembly name SwarmCluster.Grains stay frozen, as do
// contract types stored here (TaskResultEntry, RoutingDecision …).
// Both formats record a value's RUNTIME type where it differs from the declared one: a list built by a collection
// expression is a compiler-generated type ("<>z__ReadOnlyArray`1") that JSON's type allow-list rejects and the
// binary format has no codec for, so everything put into state is a List<T>/Dictionary (see Stored() helpers
// where contract records are kept).
// The JSON serializer omitted default values: never give a value-type member a non-default initializer, or a
// stored default in an old row would read back as the initializer.
namespace SwarmCluster.Grains.State;

public static class StorageNames
{
    /// <summary>The one grain storage provider every grain uses.</summary>
    public const string Provider = "swarm";

    // State names. The ADO.NET provider keys a row by (state name, grain key) only, NOT by grain class: a
    // queen and a swarm share the key "swarm-…", so two grains must never use the same state name ("state"
    // for both made them overwrite each other). Like the type names above, these are stored: never change.
    public const string Swarm = "swarm";
    public const string SwarmNetwork = "swarm-network";
    public const string SwarmOutcomes = "swarm-outcomes";
    public const string SwarmCustomNetwork = "swarm-custom-network";
    public const string Agent = "agent";
    public const string Task = "task";
    public const string Queen = "queen";
    public const string Memory = "memory";
    public const string Registry = "registry";
    public const string Usage = "usage";

    /// <summary>Page n of a swarm's task index is the state "swarm-tasks-n" of the swarm grain (one row each).</summary>
    public const string SwarmTaskPagePrefix = "swarm-tasks-";
    public const string SwarmActions = "swarm-actions";

    /// <summary>Page n of a tenant's swarm list is the state "registry-swarms-n" of its registry grain; likewise namespaces.</summary>
    public const string RegistrySwarmPagePrefix = "registry-swarms-";
    public const string RegistryNamespacePagePrefix = "registry-namespaces-";
    public const string Daa = "daa";
    public const string Workflow = "workflow";
}

[GenerateSerializer, Alias("state.swarm.v1")]
public sealed class SwarmGrainState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public SwarmTopology Topology { get; set; }
    [Id(3)] public DistributionStrategy Strategy { get; set; }
    [Id(4)] public int MaxAgents { get; set; }
    [Id(5)] public string? Objective { get; set; }
    [Id(6)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Agents in slot order: Agents[i].Slot == i.</summary>
    [Id(7)] public List<SwarmAgentEntry> Agents { get; set; } = [];
    /// <summary>Task ids in creation order.</summary>
    [Id(8)] public List<string> TaskIds { get; set; } = [];
    /// <summary>The swarm's view of each task's state (kept up to date by its tasks).</summary>
    [Id(9)] public Dictionary<string, TaskState> TaskStates { get; set; } = [];
    [Id(10)] public long AgentsSpawned { get; set; }
    [Id(11)] public long TasksOrchestrated { get; set; }
    [Id(12)] public long TasksCompleted { get; set; }
    [Id(13)] public long TasksFailed { get; set; }
    [Id(14)] public long NetworkRuns { get; set; }
    [Id(15)] public long TrainingEpochs { get; set; }
    [Id(16)] public DateTimeOffset LastActivity { get; set; }
    /// <summary>The request that created the swarm (a repeat answers with the swarm instead of a conflict).</summary>
    [Id(17)] public string? RequestId { get; set; }
    [Id(18)] public SupervisionPolicy? Supervision { get; set; }
    /// <summary>Null in rows written before it existed: <see cref="SwarmLimits.DefaultTrainEvery"/>.</summary>
    [Id(19)] public int? TrainEvery { get; set; }
}

[GenerateSerializer, Alias("state.swarm-agent.v1")]
public sealed class SwarmAgentEntry
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public int Slot { get; set; }
    [Id(2)] public AgentType Type { get; set; }
    [Id(3)] public string Name { get; set; } = "";
    [Id(4)] public List<string> Capabilities { get; set; } = [];
    /// <summary>Before the task index (v1 rows): open tasks assigned to the agent. Read once, never written.</summary>
    [Id(5)] public List<string> ActiveTaskIds { get; set; } = [];
    /// <summary>Null in rows written before the roster kept profiles: then the agent grain has it.</summary>
    [Id(6)] public CognitivePattern? Pattern { get; set; }
    [Id(7)] public DateTimeOffset? CreatedAt { get; set; }
    [Id(8)] public string? RequestId { get; set; }
}

/// <summary>
/// One page of a swarm's task index: 64 consecutive task sequence numbers (seq / 64 = page). Open entries only
/// name the task (its grain holds the facts); a finished entry keeps what metrics, counts and training need, so
/// finished tasks are never read again. Writes touch one page, whatever the swarm's size.
/// </summary>
[GenerateSerializer, Alias("state.task-page.v1")]
public sealed class TaskPageState
{
    [Id(0)] public List<TaskIndexEntry> Entries { get; set; } = [];
}

[GenerateSerializer, Alias("state.task-index-entry.v1")]
public sealed class TaskIndexEntry
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public long Sequence { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>False while open; the fields below are filled when it finishes.</summary>
    [Id(3)] public bool Finished { get; set; }
    [Id(4)] public TaskState Status { get; set; }
    [Id(5)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(6)] public List<TaskHold> Holds { get; set; } = [];
    [Id(7)] public string? CreditedAgent { get; set; }
    [Id(8)] public double? Quality { get; set; }
    /// <summary>The start of the description, as routing and training read it.</summary>
    [Id(9)] public string Text { get; set; } = "";
    [Id(10)] public TaskPriority Priority { get; set; }
    [Id(11)] public List<string> RequiredCapabilities { get; set; } = [];
    [Id(12)] public List<string> DependsOn { get; set; } = [];
    [Id(13)] public List<string> ClaimRequestIds { get; set; } = [];
    [Id(14)] public string? RequestId { get; set; }
    [Id(15)] public string? Key { get; set; }
    [Id(16)] public string? StatusReason { get; set; }
}

/// <summary>What supervision did on its own (bounded; the total counts everything).</summary>
[GenerateSerializer, Alias("state.swarm-actions.v1")]
public sealed class SwarmActionLogState
{
    [Id(0)] public List<SupervisionAction> Actions { get; set; } = [];
    [Id(1)] public long Total { get; set; }
}

/// <summary>The swarm's FANN network, stored apart from the roster so roster writes do not rewrite ~0.5 MB.</summary>
[GenerateSerializer, Alias("state.swarm-network.v1")]
public sealed class SwarmNetworkState
{
    /// <summary>FANN's own save format (NeuralNetwork.ToBytes); weights round-trip exactly.</summary>
    [Id(0)] public byte[]? Network { get; set; }
    [Id(1)] public int EpochsTrained { get; set; }
    [Id(2)] public float? LastMse { get; set; }
    [Id(3)] public DateTimeOffset? LastTrainedAt { get; set; }
    /// <summary>
    /// True once trained on outcomes (before custom networks existed, Train on supplied samples set it too):
    /// from then on routing blends in the network.
    /// </summary>
    [Id(4)] public bool Trained { get; set; }
    /// <summary>Trainings on recorded outcomes, most recent last (bounded by RoutingLearningOptions).</summary>
    [Id(5)] public List<RoutingTrainingEntry> History { get; set; } = [];
    /// <summary>SwarmOutcomeState.TrainableRecorded as of the last training: outcomes after it are new.</summary>
    [Id(6)] public long TrainedThroughOutcome { get; set; }
    /// <summary>Trainings on recorded outcomes over the network's life (History keeps only the last ones).</summary>
    [Id(7)] public int Trainings { get; set; }
}

/// <summary>
/// The swarm's "custom" network: same shape as the routing network, trained only on caller-supplied samples
/// (neural_train with samples), never used for routing.
/// </summary>
[GenerateSerializer, Alias("state.swarm-custom-network.v1")]
public sealed class SwarmCustomNetworkState
{
    /// <summary>FANN's save format; null while untrained (rebuilt from the seed).</summary>
    [Id(0)] public byte[]? Network { get; set; }
    [Id(1)] public int EpochsTrained { get; set; }
    [Id(2)] public float? LastMse { get; set; }
    [Id(3)] public DateTimeOffset? LastTrainedAt { get; set; }
    [Id(4)] public bool Trained { get; set; }
    /// <summary>Samples in the last training.</summary>
    [Id(5)] public int LastSamples { get; set; }
}

/// <summary>Recorded task outcomes, the network's training set (most recent first dropped last).</summary>
[GenerateSerializer, Alias("state.swarm-outcomes.v1")]
public sealed class SwarmOutcomeState
{
    [Id(0)] public List<OutcomeSample> Samples { get; set; } = [];
    /// <summary>Trainable (not held-out) outcomes recorded over the swarm's life; drives "training due".</summary>
    [Id(1)] public long TrainableRecorded { get; set; }
    /// <summary>Outcomes credited to each agent slot over the swarm's life (index = slot).</summary>
    [Id(2)] public List<long> FinishedBySlot { get; set; } = [];
}

/// <summary>
/// One finished task as a training sample. The text is kept (not its 128 features) so samples stay small and
/// are encoded at training time with <see cref="Routing.TaskFeatureEncoder"/>. Rows written before credit and
/// task features were recorded have only Slots and Target (how they are read: Learning.OutcomeLog).
/// </summary>
[GenerateSerializer, Alias("state.outcome-sample.v1")]
public sealed class OutcomeSample
{
    [Id(0)] public string TaskId { get; set; } = "";
    [Id(1)] public string Text { get; set; } = "";
    /// <summary>Old rows: every assigned agent's slot. New rows: the credited slot only.</summary>
    [Id(2)] public List<int> Slots { get; set; } = [];
    /// <summary>Training target of the credited slot: quality, else 1 on success, 0 on failure.</summary>
    [Id(3)] public float Target { get; set; }
    [Id(4)] public DateTimeOffset At { get; set; }
    /// <summary>The slot of the agent that reported the result.</summary>
    [Id(5)] public int? CreditedSlot { get; set; }
    [Id(6)] public bool? Success { get; set; }
    [Id(7)] public double? Quality { get; set; }
    [Id(8)] public TaskPriority? Priority { get; set; }
    [Id(9)] public List<string>? RequiredCapabilities { get; set; }
    /// <summary>Held out of training to measure the network (decided once, when recorded).</summary>
    [Id(10)] public bool? HeldOut { get; set; }
}

[GenerateSerializer, Alias("state.agent.v1")]
public sealed class AgentGrainState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string SwarmId { get; set; } = "";
    [Id(2)] public int Slot { get; set; }
    [Id(3)] public AgentType Type { get; set; }
    [Id(4)] public string Name { get; set; } = "";
    [Id(5)] public List<string> Capabilities { get; set; } = [];
    [Id(6)] public CognitivePattern Pattern { get; set; }
    [Id(7)] public DateTimeOffset CreatedAt { get; set; }
    [Id(8)] public List<string> ActiveTaskIds { get; set; } = [];
    /// <summary>Most recent entries (capped); the totals below cover the whole life.</summary>
    [Id(9)] public List<AgentHistoryEntry> History { get; set; } = [];
    [Id(10)] public int TasksAssigned { get; set; }
    [Id(11)] public int TasksCompleted { get; set; }
    [Id(12)] public int TasksFailed { get; set; }
    [Id(13)] public double TotalDurationMs { get; set; }
    [Id(14)] public double QualitySum { get; set; }
    [Id(15)] public int QualityCount { get; set; }
    [Id(16)] public DateTimeOffset? LastActivity { get; set; }
}

[GenerateSerializer, Alias("state.task.v1")]
public sealed class TaskGrainState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string SwarmId { get; set; } = "";
    [Id(2)] public string Description { get; set; } = "";
    [Id(3)] public TaskPriority Priority { get; set; }
    [Id(4)] public ExecutionStrategy Strategy { get; set; }
    [Id(5)] public TaskState Status { get; set; }
    [Id(6)] public double Progress { get; set; }
    [Id(7)] public List<string> AssignedAgents { get; set; } = [];
    [Id(8)] public DateTimeOffset CreatedAt { get; set; }
    [Id(9)] public DateTimeOffset? StartedAt { get; set; }
    [Id(10)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(11)] public RoutingDecision? Routing { get; set; }
    [Id(12)] public List<TaskProgressEntry> ProgressHistory { get; set; } = [];
    [Id(13)] public List<TaskResultEntry> Results { get; set; } = [];
    [Id(14)] public long Sequence { get; set; }
    [Id(15)] public string? Key { get; set; }
    [Id(16)] public string? RequestId { get; set; }
    [Id(17)] public List<string> RequiredCapabilities { get; set; } = [];
    [Id(18)] public List<string> DependsOn { get; set; } = [];
    [Id(19)] public List<string>? AllowedAgents { get; set; }
    [Id(20)] public List<string> ExcludedAgents { get; set; } = [];
    [Id(21)] public DateTimeOffset? LeaseExpiresAt { get; set; }
    [Id(22)] public DateTimeOffset? LastHeartbeat { get; set; }
    /// <summary>Claims so far.</summary>
    [Id(23)] public int Attempt { get; set; }
    /// <summary>0 in rows written before leases: read as the default.</summary>
    [Id(24)] public int MaxAttempts { get; set; }
    [Id(25)] public string? StatusReason { get; set; }
    [Id(26)] public List<TaskHold> Holds { get; set; } = [];
    [Id(27)] public List<TaskEvent> Events { get; set; } = [];
    [Id(28)] public List<string> ClaimRequestIds { get; set; } = [];
    [Id(29)] public string? CreditedAgent { get; set; }
    [Id(30)] public double? Quality { get; set; }
    /// <summary>True once created by a swarm that indexes its tasks (v2); older rows are migrated by the swarm.</summary>
    [Id(31)] public bool Indexed { get; set; }
    /// <summary>0 in rows written before leases: read as the default.</summary>
    [Id(32)] public int LeaseSeconds { get; set; }
}

[GenerateSerializer, Alias("state.queen.v1")]
public sealed class QueenGrainState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string Objective { get; set; } = "";
    [Id(2)] public SwarmPlan? Plan { get; set; }
    [Id(3)] public DateTimeOffset CreatedAt { get; set; }
    [Id(4)] public List<string> TaskIds { get; set; } = [];
    /// <summary>Plan task key → task id (hives planned with dependencies).</summary>
    [Id(5)] public Dictionary<string, string> TaskIdsByKey { get; set; } = new(StringComparer.Ordinal);
    /// <summary>False while the hive is being built: a repeat resumes the build.</summary>
    [Id(6)] public bool Built { get; set; }
    [Id(7)] public DateTimeOffset? LastSupervisedAt { get; set; }
    [Id(8)] public int? MaxAgents { get; set; }
    [Id(9)] public SwarmTopology? Topology { get; set; }
}

[GenerateSerializer, Alias("state.memory.v1")]
public sealed class MemoryGrainState
{
    /// <summary>
    /// Only in rows written before entries had rows of their own (IMemoryEntryStore): activation moves them there and
    /// writes this empty.
    /// </summary>
    [Id(0)] public Dictionary<string, MemoryRecord> Entries { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The namespace has been announced to the registry.</summary>
    [Id(1)] public bool Registered { get; set; }
    [Id(2)] public DateTimeOffset? LastWrite { get; set; }
    /// <summary>
    /// Only in rows written before entries had rows of their own: moved like <see cref="Entries"/>. Request records now
    /// live beside the entry rows, written in the same transaction as the entries they stored (both survive or neither).
    /// </summary>
    [Id(3)] public List<MemoryRequestRecord> Requests { get; set; } = [];
    /// <summary>The principal whose store created the namespace (null: created before principals were recorded, or inside the cluster).</summary>
    [Id(4)] public string? Owner { get; set; }
}

[GenerateSerializer, Alias("state.memory-request.v1")]
public sealed class MemoryRequestRecord
{
    [Id(0)] public string RequestId { get; set; } = "";
    [Id(1)] public string Key { get; set; } = "";
    [Id(2)] public DateTimeOffset StoredAt { get; set; }
}

[GenerateSerializer, Alias("state.memory-record.v1")]
public sealed class MemoryRecord
{
    [Id(0)] public string ValueJson { get; set; } = "null";
    [Id(1)] public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(4)] public DateTimeOffset? ExpiresAt { get; set; }
    [Id(5)] public int SizeBytes { get; set; }
    /// <summary>The store request that wrote this version, if any (kept in the entry's row).</summary>
    [Id(6)] public string? RequestId { get; set; }
}

[GenerateSerializer, Alias("state.registry.v1")]
public sealed class RegistryGrainState
{
    /// <summary>
    /// Only in rows written before the lists had pages of their own (<see cref="RegistryPageState"/>): activation
    /// moves them there and writes these empty. Live swarm ids, oldest registration first.
    /// </summary>
    [Id(0)] public List<string> Swarms { get; set; } = [];
    /// <summary>Like <see cref="Swarms"/>: only in rows from before the pages.</summary>
    [Id(1)] public List<string> Namespaces { get; set; } = [];
}

/// <summary>One page of a registry list: the "registry-swarms-n" or "registry-namespaces-n" state of the registry grain.</summary>
[GenerateSerializer, Alias("state.registry-page.v1")]
public sealed class RegistryPageState
{
    [Id(0)] public List<RegistryPageEntry> Entries { get; set; } = [];
}

[GenerateSerializer, Alias("state.registry-page-entry.v1")]
public sealed class RegistryPageEntry
{
    [Id(0)] public string Id { get; set; } = "";
    /// <summary>Registration order across pages (a freed place in a page is reused, so the page does not say it).</summary>
    [Id(1)] public long Sequence { get; set; }
}

/// <summary>The DAA layer of one swarm. Defaults (nothing stored yet) are: learning and coordination on, auto persistence.</summary>
[GenerateSerializer, Alias("state.daa.v1")]
public sealed class DaaGrainState
{
    [Id(0)] public DateTimeOffset? InitializedAt { get; set; }
    [Id(1)] public bool LearningDisabled { get; set; }
    [Id(2)] public bool CoordinationDisabled { get; set; }
    [Id(3)] public PersistenceMode Persistence { get; set; }
    /// <summary>By agent id.</summary>
    [Id(4)] public Dictionary<string, DaaAgentState> Agents { get; set; } = [];
    /// <summary>Grain keys of the workflows run in this swarm (cleared with it).</summary>
    [Id(5)] public List<string> Workflows { get; set; } = [];
}

[GenerateSerializer, Alias("state.daa-agent.v1")]
public sealed class DaaAgentState
{
    [Id(0)] public string? Alias { get; set; }
    /// <summary>Null: DaaLimits.DefaultLearningRate.</summary>
    [Id(1)] public double? LearningRate { get; set; }
    [Id(2)] public bool MemoryDisabled { get; set; }
    [Id(3)] public double? Estimate { get; set; }
    [Id(4)] public int LowScoreStreak { get; set; }
    /// <summary>The most recent DaaLimits.MaxHistory entries; the counts below cover all.</summary>
    [Id(5)] public List<DaaFeedbackEntry> Feedback { get; set; } = [];
    [Id(6)] public int FeedbackCount { get; set; }
    [Id(7)] public double ScoreSum { get; set; }
    [Id(8)] public int ScoreCount { get; set; }
    [Id(9)] public List<DaaAdaptation> Adaptations { get; set; } = [];
    [Id(10)] public int AdaptationCount { get; set; }
    /// <summary>Every pattern the agent had, with when and why (the first is its pattern at creation).</summary>
    [Id(11)] public List<DaaPatternChange> Patterns { get; set; } = [];
}

[GenerateSerializer, Alias("state.workflow.v1")]
public sealed class WorkflowGrainState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public ExecutionStrategy Strategy { get; set; }
    [Id(3)] public List<WorkflowStep> Steps { get; set; } = [];
    [Id(4)] public List<string> Order { get; set; } = [];
    [Id(5)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>By swarm id.</summary>
    [Id(6)] public Dictionary<string, WorkflowRunState> Runs { get; set; } = [];
}

[GenerateSerializer, Alias("state.workflow-run.v1")]
public sealed class WorkflowRunState
{
    [Id(0)] public bool Parallel { get; set; }
    [Id(1)] public List<string>? AllowedAgents { get; set; }
    [Id(2)] public DateTimeOffset StartedAt { get; set; }
    /// <summary>Step id → task id.</summary>
    [Id(3)] public Dictionary<string, string> TaskIds { get; set; } = [];
    /// <summary>Step id → the steps its task depends on (with sequential execution: the previous step too).</summary>
    [Id(4)] public Dictionary<string, List<string>> DependsOn { get; set; } = [];
}

/// <summary>A tenant's usage per owner (swarm id or memory grain key); see UsageGrain.</summary>
[GenerateSerializer, Alias("state.usage.v1")]
public sealed class UsageGrainState
{
    [Id(0)] public string Tenant { get; set; } = "";
    [Id(1)] public Dictionary<string, UsageRecord> Owners { get; set; } = new(StringComparer.Ordinal);
}

[GenerateSerializer, Alias("state.usage-record.v1")]
public sealed class UsageRecord
{
    [Id(0)] public int Swarms { get; set; }
    [Id(1)] public int Agents { get; set; }
    [Id(2)] public long Tasks { get; set; }
    [Id(3)] public long MemoryBytes { get; set; }
    [Id(4)] public DateTimeOffset UpdatedAt { get; set; }
}
