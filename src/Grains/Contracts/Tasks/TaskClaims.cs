namespace SwarmCluster.Contracts.Tasks;

/// <summary>
/// A worker asks for work: as a given agent, or naming capabilities so the router picks the agent. The claim
/// is a lease: task_progress renews it; when it runs out the task goes back to the queue.
/// </summary>
[GenerateSerializer, Immutable, Alias("task.claim-request")]
public sealed record ClaimRequest(
    [property: Id(0)] string? AgentId,
    [property: Id(1)] IReadOnlyList<string>? Capabilities,
    [property: Id(2)] int LeaseSeconds = TaskLimits.DefaultLeaseSeconds,
    [property: Id(3)] string? RequestId = null);

/// <summary>Tasks that could be handed out now and those that cannot yet.</summary>
[GenerateSerializer, Immutable, Alias("task.queue")]
public sealed record QueueCounts(
    [property: Id(0)] int Ready,
    [property: Id(1)] int Blocked,
    [property: Id(2)] int Assigned,
    [property: Id(3)] int InProgress);

[GenerateSerializer, Immutable, Alias("task.claim")]
public sealed record ClaimResult(
    [property: Id(0)] bool Claimed,
    /// <summary>Why nothing was handed out, or how the task was chosen.</summary>
    [property: Id(1)] string Reason,
    [property: Id(2)] string? AgentId,
    [property: Id(3)] TaskInfo? Task,
    [property: Id(4)] DateTimeOffset? LeaseExpiresAt,
    [property: Id(5)] RoutingDecision? Routing,
    [property: Id(6)] QueueCounts Queue,
    /// <summary>True when this answers a repeated requestId: nothing was claimed again.</summary>
    [property: Id(7)] bool Replayed = false);
