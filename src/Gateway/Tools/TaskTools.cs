using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ModelContextProtocol.Server;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Gateway.Cluster;

namespace SwarmCluster.Gateway.Tools;

/// <summary>
/// The task tools. A Claude worker's loop: task_claim (as its agent) → task_progress while working (each call
/// renews the lease) → task_complete with the result. A worker that stops reporting loses the task when its lease
/// runs out; it goes back to the queue for another worker.
/// </summary>
[McpServerToolType]
public sealed class TaskTools(GrainCalls grains)
{
    [McpServerTool(Name = "task_orchestrate", Destructive = false), Description(
        "Orchestrate a task across the swarm: creates it and, when it is ready (no dependencies left) and assign is " +
        "true, ranks the swarm's agents (capability match blended with the routing network's learned scores) and " +
        "assigns it to up to maxAgents of them under a lease, returning the routing decision. Tasks with dependsOn " +
        "wait (blocked) until every dependency completes, then wait in the queue for task_claim; if a dependency " +
        "fails or is cancelled they are cancelled too. Give requestId to make a retried call safe: a repeat returns " +
        "the task the first call created.")]
    public async Task<TaskInfo> TaskOrchestrate(
        [Description("Task description or instructions"), StringLength(TaskLimits.MaxDescriptionLength, MinimumLength = 1)] string task,
        [Description("Execution strategy")] ExecutionStrategy strategy = ExecutionStrategy.Adaptive,
        [Description("Task priority: ready tasks are handed out critical first, then high, medium, low; oldest first within one")] TaskPriority priority = TaskPriority.Medium,
        [Description("Maximum agents to use"), Range(1, TaskLimits.MaxAgentsPerTask)] int? maxAgents = null,
        [Description("Capabilities an agent must have to take the task"), MaxLength(SwarmLimits.MaxCapabilities)] string[]? requiredCapabilities = null,
        [Description("Task ids of this swarm that must complete before this task can start"), MaxLength(TaskLimits.MaxDependencies)] string[]? dependsOn = null,
        [Description("Assign it at once when ready (default); false leaves it in the queue for task_claim")] bool assign = true,
        [Description("Lease of the immediate assignment in seconds (default 300); task_progress renews it"), Range(TaskLimits.MinLeaseSeconds, TaskLimits.MaxLeaseSeconds)] int? leaseSeconds = null,
        [Description("Claims whose lease may run out before the task fails (default 3)"), Range(1, TaskLimits.MaxAttempts)] int? maxAttempts = null,
        [Description("Idempotency key: a repeat with the same requestId returns the first call's task and changes nothing"), StringLength(TaskLimits.MaxRequestIdLength, MinimumLength = 1)] string? requestId = null,
        [Description("Swarm to run it in (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var spec = new TaskSpec(
            Values.NonBlank(task, "task"),
            priority,
            strategy,
            maxAgents,
            Values.Labels(requiredCapabilities, "requiredCapabilities", SwarmLimits.MaxCapabilityLength))
        {
            DependsOn = dependsOn?.Select((d, i) => Ids.Task(d, $"dependsOn[{i}]")).ToList(),
            Assign = assign,
            LeaseSeconds = leaseSeconds,
            MaxAttempts = maxAttempts,
            RequestId = requestId,
        };
        var id = await grains.ResolveSwarm(swarmId, cancellationToken);
        return await grains.Write(() => grains.Swarm(id).Orchestrate(spec), cancellationToken, requestId);
    }

    [McpServerTool(Name = "task_claim", Destructive = false), Description(
        "Claim the next task to work on, as an agent (agentId) or naming capabilities so the router picks the agent. " +
        "Ready tasks go out by priority (critical first), oldest first within one; among them the routing network " +
        "picks the one the agent suits best. The claim is a lease: report with task_progress before leaseSeconds " +
        "pass (each report renews it) and finish with task_complete; if the lease runs out the task returns to the " +
        "queue for another worker. Concurrent claimers never get the same task. Nothing ready → claimed: false with " +
        "the reason. Give requestId to make a retried call safe.")]
    public async Task<ClaimResult> TaskClaim(
        [Description("Claim as this agent (agent_spawn first)")] string? agentId = null,
        [Description("Or: capabilities the agent must have; the router picks among the agents that have them"), MaxLength(SwarmLimits.MaxCapabilities)] string[]? capabilities = null,
        [Description("Lease length in seconds (default 300); task_progress renews it"), Range(TaskLimits.MinLeaseSeconds, TaskLimits.MaxLeaseSeconds)] int leaseSeconds = TaskLimits.DefaultLeaseSeconds,
        [Description("Idempotency key: a repeat returns the first claim and claims nothing more"), StringLength(TaskLimits.MaxRequestIdLength, MinimumLength = 1)] string? requestId = null,
        [Description("Swarm to claim from (default: the agent's swarm, else the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var swarm = agentId is not null && swarmId is null
            ? await grains.SwarmOfAgent(agentId, cancellationToken)
            : await grains.ResolveSwarm(swarmId, cancellationToken);
        var request = new ClaimRequest(agentId is null ? null : Ids.Agent(agentId),
            Values.Labels(capabilities, "capabilities", SwarmLimits.MaxCapabilityLength), leaseSeconds, requestId);
        return await grains.Write(() => grains.Swarm(swarm).Claim(request), cancellationToken, requestId);
    }

    [McpServerTool(Name = "task_status", ReadOnly = true, Idempotent = true), Description(
        "Check progress of tasks: one task by taskId, or the swarm's tasks (newest first, at most 500) with counts " +
        "by status (pending = ready to claim, blocked = waiting for dependencies, assigned, in_progress, completed, " +
        "failed, cancelled). detailed adds progress history, results, routing and the task's events (claims, " +
        "lease expiries, retries).")]
    public async Task<TaskStatusResult> TaskStatus(
        [Description("Specific task ID (optional)")] string? taskId = null,
        [Description("Include detailed progress")] bool detailed = false,
        [Description("Only tasks in this status (when listing)")] TaskState? status = null,
        [Description("Swarm whose tasks to list when no taskId is given (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        if (taskId is not null)
        {
            var swarm = await grains.SwarmOfTask(taskId, cancellationToken);
            var task = await grains.Read(() => grains.Swarm(swarm).GetTask(taskId, detailed), cancellationToken);
            return new TaskStatusResult(task.SwarmId, 1, null, [task], false);
        }

        var id = await grains.ResolveSwarm(swarmId, cancellationToken);
        TaskState? filter = status;
        var listing = await grains.Read(() => grains.Swarm(id).ListTasks(filter, detailed, TaskLimits.MaxListedTasks), cancellationToken);
        var byStatus = TaskCountsView.From(listing.Counts).ByStatus();
        var total = filter is { } f ? byStatus.GetValueOrDefault(Values.Name(f)) : listing.Counts.Total;
        return new TaskStatusResult(id, total, byStatus, listing.Tasks, listing.Truncated);
    }

    [McpServerTool(Name = "task_results", ReadOnly = true, Idempotent = true), Description(
        "Retrieve the results recorded for a task (by task_complete). Only recorded results are returned; a task " +
        "without any says so. summary: status and the latest result; detailed: the task with every result; raw: " +
        "the recorded result entries exactly as stored.")]
    public async Task<TaskResultsResult> TaskResults(
        [Description("Task ID to retrieve results for")] string taskId,
        [Description("Result format")] ResultFormat format = ResultFormat.Summary,
        CancellationToken cancellationToken = default)
    {
        var swarm = await grains.SwarmOfTask(taskId, cancellationToken);
        var info = await grains.Read(() => grains.Swarm(swarm).GetTask(taskId, true), cancellationToken);
        var results = info.Results;
        var note = results.Count == 0 ? "no results recorded yet: the worker reports them with task_complete" : null;
        return format switch
        {
            ResultFormat.Raw => new TaskResultsResult(info.Id, info.SwarmId, format, info.Status, results.Count, note, null, null, results),
            ResultFormat.Detailed => new TaskResultsResult(info.Id, info.SwarmId, format, info.Status, results.Count, note, null, info, results),
            _ => new TaskResultsResult(info.Id, info.SwarmId, format, info.Status, results.Count, note, ResultSummary.Of(info, results), null, null),
        };
    }

    [McpServerTool(Name = "task_progress", Destructive = false), Description(
        "Report progress on a claimed task (0..1, with an optional message). It is the lease's heartbeat: every " +
        "report renews the lease; the first one moves the task to in_progress. Refused when the agent no longer " +
        "holds the task (its lease ran out).")]
    public async Task<TaskInfo> TaskProgress(
        [Description("The task")] string taskId,
        [Description("Progress from 0 to 1"), Range(0.0, 1.0)] double progress,
        [Description("What happened"), StringLength(TaskLimits.MaxMessageLength)] string? message = null,
        [Description("The agent reporting (must hold the task)")] string? agentId = null,
        CancellationToken cancellationToken = default)
    {
        var swarm = await grains.SwarmOfTask(taskId, cancellationToken);
        var agent = agentId is null ? null : Ids.Agent(agentId);
        return await grains.Write(() => grains.Swarm(swarm).ReportProgress(taskId, agent, progress, message), cancellationToken);
    }

    [McpServerTool(Name = "task_complete", Destructive = false), Description(
        "Record a task's result (success, output, quality 0..1, error), exactly once. The swarm frees the task's " +
        "agents, releases tasks that depended on it (or cancels them if it failed) and learns from the outcome: the " +
        "routing network trains on what agents report. Refused if another agent holds the task now; a late result " +
        "for a task nobody holds is accepted. Give requestId to make a retried call safe.")]
    public async Task<TaskInfo> TaskComplete(
        [Description("The task")] string taskId,
        [Description("Whether the work succeeded")] bool success,
        [Description("The work's output"), StringLength(TaskLimits.MaxOutputLength)] string? output = null,
        [Description("Quality of the result from 0 to 1"), Range(0.0, 1.0)] double? quality = null,
        [Description("What went wrong (for failures)"), StringLength(TaskLimits.MaxMessageLength)] string? error = null,
        [Description("The agent that did the work (credited with the outcome)")] string? agentId = null,
        [Description("Idempotency key: a repeat returns the task as the first call left it"), StringLength(TaskLimits.MaxRequestIdLength, MinimumLength = 1)] string? requestId = null,
        CancellationToken cancellationToken = default)
    {
        var swarm = await grains.SwarmOfTask(taskId, cancellationToken);
        var completion = new TaskCompletion(agentId is null ? null : Ids.Agent(agentId), success, output, quality, error) { RequestId = requestId };
        return await grains.Write(() => grains.Swarm(swarm).CompleteTask(taskId, completion), cancellationToken, requestId);
    }

    [McpServerTool(Name = "task_cancel", Destructive = true), Description(
        "Cancel a task that has not finished (pending, blocked, assigned or in progress): frees its agents, and " +
        "cancels the tasks that depend on it (they could never run), listing them.")]
    public async Task<TaskCancelResult> TaskCancel(
        [Description("The task")] string taskId,
        [Description("Why (kept with the task)"), StringLength(TaskLimits.MaxMessageLength)] string? reason = null,
        CancellationToken cancellationToken = default)
    {
        var swarm = await grains.SwarmOfTask(taskId, cancellationToken);
        return await grains.Write(() => grains.Swarm(swarm).CancelTask(taskId, reason), cancellationToken);
    }
}

public sealed record TaskStatusResult(
    string SwarmId, int Total, IReadOnlyDictionary<string, int>? ByStatus, IReadOnlyList<TaskInfo> Tasks, bool Truncated);

public sealed record ResultSummary(
    TaskState Status, double Progress, int Succeeded, int Failed, double? AverageQuality, double? DurationMs, TaskResultEntry? Latest)
{
    public static ResultSummary Of(TaskInfo info, IReadOnlyList<TaskResultEntry> results) => new(
        info.Status, info.Progress,
        results.Count(r => r.Success), results.Count(r => !r.Success),
        results.Where(r => r.Quality is not null).Select(r => r.Quality!.Value).DefaultIfEmpty(double.NaN).Average() is var q && double.IsFinite(q) ? q : null,
        Values.Finite(info.DurationMs),
        results.OrderBy(r => r.RecordedAt).LastOrDefault());
}

public sealed record TaskResultsResult(
    string TaskId,
    string SwarmId,
    ResultFormat Format,
    TaskState Status,
    int ResultCount,
    string? Note,
    ResultSummary? Summary,
    TaskInfo? Task,
    IReadOnlyList<TaskResultEntry>? Results);
