using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ModelContextProtocol.Server;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Gateway.Cluster;
using SwarmCluster.Grains;

namespace SwarmCluster.Gateway.Tools;

/// <summary>task_orchestrate, task_status, task_results, task_progress, task_complete.</summary>
[McpServerToolType]
public sealed class TaskTools(GrainCalls grains)
{
    // Limits come from the grains, so the schema advertises exactly what they accept.
    public const int MaxTaskLength = SwarmGrain.MaxDescriptionLength;
    public const int MaxOutputLength = TaskGrain.MaxOutputLength;
    public const int MaxMessageLength = TaskGrain.MaxMessageLength;
    public const int MaxListedTasks = 500;

    [McpServerTool(Name = "task_orchestrate", Destructive = false), Description(
        "Orchestrate a task across the swarm: creates it, ranks the swarm's agents (capability match, or the " +
        "trained routing network once it has learned from outcomes) and assigns it to up to maxAgents of them. " +
        "The routing decision is returned. Report the work with task_progress and task_complete.")]
    public async Task<TaskInfo> TaskOrchestrate(
        [Description("Task description or instructions"), StringLength(MaxTaskLength, MinimumLength = 1)] string task,
        [Description("Execution strategy"), AllowedValues("parallel", "sequential", "adaptive")] string strategy = "adaptive",
        [Description("Task priority"), AllowedValues("low", "medium", "high", "critical")] string priority = "medium",
        [Description("Maximum agents to use"), Range(1, 10)] int? maxAgents = null,
        [Description("Capabilities an agent must have to take the task"), MaxLength(SwarmGrain.MaxCapabilities)] string[]? requiredCapabilities = null,
        [Description("Swarm to run it in (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var spec = new TaskSpec(
            Values.NonBlank(task, "task"),
            Values.Enum<TaskPriority>(priority, "priority"),
            Values.Enum<ExecutionStrategy>(strategy, "strategy"),
            maxAgents,
            Values.Labels(requiredCapabilities, "requiredCapabilities", SwarmGrain.MaxCapabilityLength));
        var id = await grains.ResolveSwarm(swarmId, cancellationToken);
        return await grains.Write(() => grains.Swarm(id).Orchestrate(spec), cancellationToken);
    }

    [McpServerTool(Name = "task_status", ReadOnly = true, Idempotent = true), Description(
        "Check progress of tasks: one task by taskId, or every task of the swarm (newest first, at most 500) with " +
        "counts by status. detailed adds progress history, recorded results and routing.")]
    public async Task<TaskStatusResult> TaskStatus(
        [Description("Specific task ID (optional)")] string? taskId = null,
        [Description("Include detailed progress")] bool detailed = false,
        [Description("Swarm whose tasks to list when no taskId is given (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        if (taskId is not null)
        {
            var task = await grains.Read(() => grains.Task(Ids.Task(taskId)).GetInfo(detailed), cancellationToken);
            return new TaskStatusResult(task.SwarmId, 1, null, [task], false);
        }

        var id = await grains.ResolveSwarm(swarmId, cancellationToken);
        var ids = await grains.Read(() => grains.Swarm(id).ListTaskIds(), cancellationToken);
        var infos = await Task.WhenAll(ids.Select(t => grains.Read(() => grains.Task(t).GetInfo(detailed), cancellationToken)));
        var newestFirst = infos.OrderByDescending(t => t.CreatedAt).ToList();
        var counts = newestFirst.GroupBy(t => t.Status).ToDictionary(g => Values.Name(g.Key), g => g.Count());
        return new TaskStatusResult(id, newestFirst.Count, counts, newestFirst.Take(MaxListedTasks).ToList(), newestFirst.Count > MaxListedTasks);
    }

    [McpServerTool(Name = "task_results", ReadOnly = true, Idempotent = true), Description(
        "Retrieve the results recorded for a task (by task_complete). Only recorded results are returned; a task " +
        "without any says so. summary: status and the latest result; detailed: the task with every result; raw: " +
        "the recorded result entries exactly as stored.")]
    public async Task<TaskResultsResult> TaskResults(
        [Description("Task ID to retrieve results for")] string taskId,
        [Description("Result format"), AllowedValues("summary", "detailed", "raw")] string format = "summary",
        CancellationToken cancellationToken = default)
    {
        var grain = grains.Task(Ids.Task(taskId));
        var info = await grains.Read(() => grain.GetInfo(format == "detailed"), cancellationToken);
        var results = await grains.Read(() => grain.GetResults(), cancellationToken);
        var note = results.Count == 0 ? "no results recorded yet: the worker reports them with task_complete" : null;
        return format switch
        {
            "raw" => new TaskResultsResult(info.Id, info.SwarmId, format, info.Status, results.Count, note, null, null, results),
            "detailed" => new TaskResultsResult(info.Id, info.SwarmId, format, info.Status, results.Count, note, null, info, results),
            _ => new TaskResultsResult(info.Id, info.SwarmId, format, info.Status, results.Count, note, ResultSummary.Of(info, results), null, null),
        };
    }

    [McpServerTool(Name = "task_progress", Destructive = false), Description(
        "Report progress on a task (0..1, with an optional message); the first report moves it to in_progress.")]
    public async Task<TaskInfo> TaskProgress(
        [Description("The task")] string taskId,
        [Description("Progress from 0 to 1"), Range(0.0, 1.0)] double progress,
        [Description("What happened"), StringLength(MaxMessageLength)] string? message = null,
        [Description("The agent reporting (must be assigned to the task)")] string? agentId = null,
        CancellationToken cancellationToken = default)
    {
        var task = grains.Task(Ids.Task(taskId));
        var agent = agentId is null ? null : Ids.Agent(agentId);
        return await grains.Write(() => task.ReportProgress(agent, progress, message), cancellationToken);
    }

    [McpServerTool(Name = "task_complete", Destructive = false), Description(
        "Record a task's result (success, output, quality 0..1, error). The swarm frees the task's agents and " +
        "learns from the outcome: recorded outcomes are what neural_train trains the routing network on.")]
    public async Task<TaskInfo> TaskComplete(
        [Description("The task")] string taskId,
        [Description("Whether the work succeeded")] bool success,
        [Description("The work's output"), StringLength(MaxOutputLength)] string? output = null,
        [Description("Quality of the result from 0 to 1"), Range(0.0, 1.0)] double? quality = null,
        [Description("What went wrong (for failures)"), StringLength(MaxMessageLength)] string? error = null,
        [Description("The agent that did the work (must be assigned to the task)")] string? agentId = null,
        CancellationToken cancellationToken = default)
    {
        var task = grains.Task(Ids.Task(taskId));
        var completion = new TaskCompletion(agentId is null ? null : Ids.Agent(agentId), success, output, quality, error);
        return await grains.Write(() => task.Complete(completion), cancellationToken);
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
    string Format,
    TaskState Status,
    int ResultCount,
    string? Note,
    ResultSummary? Summary,
    TaskInfo? Task,
    IReadOnlyList<TaskResultEntry>? Results);
