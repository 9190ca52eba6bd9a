using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Contracts.Daa;

[GenerateSerializer, Immutable, Alias("workflow.step")]
public sealed record WorkflowStep(
    [property: Id(0)] string Id,
    [property: Id(1)] string Description,
    [property: Id(2)] IReadOnlyList<string> DependsOn,
    [property: Id(3)] IReadOnlyList<string>? RequiredCapabilities = null,
    [property: Id(4)] TaskPriority Priority = TaskPriority.Medium);

[GenerateSerializer, Immutable, Alias("workflow.definition")]
public sealed record WorkflowDefinition(
    [property: Id(0)] string Name,
    [property: Id(1)] IReadOnlyList<WorkflowStep> Steps,
    [property: Id(2)] ExecutionStrategy Strategy);

[GenerateSerializer, Immutable, Alias("workflow.info")]
public sealed record WorkflowInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] ExecutionStrategy Strategy,
    [property: Id(3)] IReadOnlyList<WorkflowStep> Steps,
    /// <summary>Step ids in an order where each comes after its dependencies.</summary>
    [property: Id(4)] IReadOnlyList<string> Order,
    [property: Id(5)] DateTimeOffset CreatedAt,
    /// <summary>Swarms the workflow has been executed in.</summary>
    [property: Id(6)] IReadOnlyList<string> ExecutedIn,
    /// <summary>False when the same definition was already stored under this id.</summary>
    [property: Id(7)] bool Created);

[GenerateSerializer, Immutable, Alias("workflow.run-request")]
public sealed record WorkflowRunRequest(
    [property: Id(0)] string SwarmId,
    /// <summary>Only these agents (ids of the swarm) may claim the steps; null: any agent.</summary>
    [property: Id(1)] IReadOnlyList<string>? AgentIds,
    /// <summary>Null: as the workflow's strategy says (sequential chains every step, others run independent steps at once).</summary>
    [property: Id(2)] bool? Parallel);

[GenerateSerializer, Immutable, Alias("workflow.step-status")]
public sealed record WorkflowStepStatus(
    [property: Id(0)] string StepId,
    [property: Id(1)] string TaskId,
    [property: Id(2)] TaskState Status,
    [property: Id(3)] double Progress,
    [property: Id(4)] IReadOnlyList<string> AssignedAgents,
    /// <summary>The task's dependencies as step ids (with sequential execution: the step before it too).</summary>
    [property: Id(5)] IReadOnlyList<string> DependsOn,
    [property: Id(6)] string? StatusReason);

[GenerateSerializer, Immutable, Alias("workflow.progress")]
public sealed record WorkflowProgress(
    [property: Id(0)] string WorkflowId,
    [property: Id(1)] string SwarmId,
    [property: Id(2)] bool Parallel,
    [property: Id(3)] IReadOnlyList<string>? AllowedAgents,
    [property: Id(4)] DateTimeOffset StartedAt,
    [property: Id(5)] int Total,
    [property: Id(6)] int Completed,
    [property: Id(7)] int Failed,
    [property: Id(8)] int Cancelled,
    [property: Id(9)] int Running,
    [property: Id(10)] int Ready,
    [property: Id(11)] int Blocked,
    /// <summary>Mean progress of the steps (a finished step counts 1).</summary>
    [property: Id(12)] double Progress,
    [property: Id(13)] bool Finished,
    /// <summary>False when this call found the run already started (it reports its progress).</summary>
    [property: Id(14)] bool Started,
    [property: Id(15)] IReadOnlyList<WorkflowStepStatus> Steps);
