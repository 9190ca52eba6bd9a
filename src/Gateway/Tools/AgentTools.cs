using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ModelContextProtocol.Server;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Gateway.Cluster;
using SwarmCluster.Contracts;

namespace SwarmCluster.Gateway.Tools;

/// <summary>agent_spawn, agent_list, agent_metrics.</summary>
[McpServerToolType]
public sealed class AgentTools(GrainCalls grains, ProcessFigures process)
{
    [McpServerTool(Name = "agent_spawn", Destructive = false), Description(
        "Spawn a new agent in the swarm. Fails once the swarm has maxAgents agents. An agent is a record the swarm " +
        "routes tasks to; the work itself is done by the client, which reports it with task_progress/task_complete.")]
    public async Task<AgentInfo> AgentSpawn(
        [Description("Agent type")] AgentType type,
        [Description("Custom agent name"), StringLength(SwarmLimits.MaxNameLength)] string? name = null,
        [Description("Agent capabilities (matched against tasks' required capabilities)"), MaxLength(SwarmLimits.MaxCapabilities)] string[]? capabilities = null,
        [Description("Cognitive pattern (default: the type's usual pattern); returned as `pattern`")] CognitivePattern? cognitivePattern = null,
        [Description("Swarm to spawn in (default: the newest swarm)")] string? swarmId = null,
        [Description("Idempotency key: a repeat with the same requestId returns the first call's agent and changes nothing"), StringLength(TaskLimits.MaxRequestIdLength, MinimumLength = 1)] string? requestId = null,
        CancellationToken cancellationToken = default)
    {
        var spec = new AgentSpec(
            type,
            name is null ? null : Values.NonBlank(name, "name"),
            Values.Labels(capabilities, "capabilities", SwarmLimits.MaxCapabilityLength),
            cognitivePattern)
        {
            RequestId = requestId,
        };
        var id = await grains.ResolveSwarm(swarmId, cancellationToken);
        return await grains.Write(() => grains.Swarm(id).SpawnAgent(spec), cancellationToken, requestId);
    }

    [McpServerTool(Name = "agent_list", ReadOnly = true, Idempotent = true), Description(
        "List the agents of the swarm. filter: all; idle (no current task); busy or active (working on a task: " +
        "'active' is kept from ruv-swarm and means the same as 'busy').")]
    public async Task<AgentListResult> AgentList(
        [Description("Filter agents by status")] AgentFilter filter = AgentFilter.All,
        [Description("Swarm to list (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        AgentStatus? status = filter switch
        {
            AgentFilter.Idle => AgentStatus.Idle,
            AgentFilter.Busy or AgentFilter.Active => AgentStatus.Busy,
            _ => null,
        };
        var id = await grains.ResolveSwarm(swarmId, cancellationToken);
        var agents = await grains.Read(() => grains.Swarm(id).ListAgents(status), cancellationToken);
        return new AgentListResult(id, filter, agents.Count, agents);
    }

    [McpServerTool(Name = "agent_metrics", ReadOnly = true, Idempotent = true), Description(
        "Performance metrics of agents, computed from their recorded task history (tasks assigned/completed/failed, " +
        "success rate, durations, quality). Agents are records and the client does their work, so per-agent CPU " +
        "and memory do not exist: 'cpu' and 'memory' report this process's figures instead, labelled process-wide.")]
    public async Task<AgentMetricsResult> AgentMetrics(
        [Description("Specific agent ID (optional)")] string? agentId = null,
        [Description("Which metrics")] AgentMetric metric = AgentMetric.All,
        [Description("Swarm whose agents to report (default: the newest swarm; ignored when agentId is given)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        IReadOnlyList<AgentInfo> agents;
        IReadOnlyList<AgentHistoryEntry>? history = null;
        string swarm;
        if (agentId is not null)
        {
            swarm = await grains.SwarmOfAgent(agentId, cancellationToken);
            if (swarmId is not null && swarmId != swarm)
                throw DomainException.Invalid("swarmId", $"agent '{agentId}' belongs to swarm '{swarm}', not '{swarmId}'");
            agents = [await grains.Read(() => grains.Swarm(swarm).GetAgent(agentId), cancellationToken)];
            if (metric is AgentMetric.All or AgentMetric.Performance or AgentMetric.Tasks)
                history = await grains.Read(() => grains.Swarm(swarm).GetAgentHistory(agentId, 20), cancellationToken);
        }
        else
        {
            swarm = await grains.ResolveSwarm(swarmId, cancellationToken);
            agents = await grains.Read(() => grains.Swarm(swarm).ListAgents(null), cancellationToken);
        }

        var wantTasks = metric is AgentMetric.All or AgentMetric.Tasks;
        var wantPerformance = metric is AgentMetric.All or AgentMetric.Performance;
        var wantResources = metric is AgentMetric.All or AgentMetric.Cpu or AgentMetric.Memory;
        var rows = agents.Select(a => new AgentMetricsRow(
            a.Id, a.Name, a.Type, a.Status, a.CurrentTaskId,
            wantTasks ? new TaskTally(a.Metrics.TasksAssigned, a.Metrics.TasksCompleted, a.Metrics.TasksFailed) : null,
            wantPerformance ? new PerformanceFigures(
                Values.Finite(a.Metrics.SuccessRate), Values.Finite(a.Metrics.AverageDurationMs), Values.Finite(a.Metrics.MedianDurationMs),
                Values.Finite(a.Metrics.AverageQuality), a.Metrics.TotalBusyMs, a.Metrics.LastActivity) : null)).ToList();

        return new AgentMetricsResult(
            swarm, metric, agentId is null ? "swarm" : "agent", rows.Count, rows,
            history,
            wantResources ? ResourceNote : null,
            wantResources ? process.Snapshot() : null);
    }

    public const string ResourceNote =
        "per-agent cpu/memory cannot be measured: agents are records in the cluster and their work is done by the " +
        "client; 'process' holds this gateway process's own figures (process-wide, not per agent)";
}

public sealed record AgentListResult(string SwarmId, AgentFilter Filter, int Count, IReadOnlyList<AgentInfo> Agents);

public sealed record TaskTally(int Assigned, int Completed, int Failed);

public sealed record PerformanceFigures(
    double? SuccessRate, double? AverageDurationMs, double? MedianDurationMs, double? AverageQuality, double TotalBusyMs, DateTimeOffset? LastActivity);

public sealed record AgentMetricsRow(
    string Id, string Name, AgentType Type, AgentStatus Status, string? CurrentTaskId, TaskTally? Tasks, PerformanceFigures? Performance);

public sealed record AgentMetricsResult(
    string SwarmId,
    AgentMetric Metric,
    string Scope,
    int Count,
    IReadOnlyList<AgentMetricsRow> Agents,
    /// <summary>The agent's most recent finished tasks, newest first (only with agentId).</summary>
    IReadOnlyList<AgentHistoryEntry>? RecentHistory,
    string? ResourceNote,
    ProcessSnapshot? Process);
