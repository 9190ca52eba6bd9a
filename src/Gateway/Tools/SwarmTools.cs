using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using ModelContextProtocol.Server;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Queen;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Gateway.Cluster;
using SwarmCluster.Gateway.Mcp;
using SwarmCluster.Gateway.Security;

namespace SwarmCluster.Gateway.Tools;

/// <summary>Swarm lifecycle and observation: swarm_init, swarm_status, swarm_monitor, swarm_destroy, the Queen's tools.</summary>
[McpServerToolType]
public sealed class SwarmTools(GrainCalls grains)
{

    [McpServerTool(Name = "swarm_init", Destructive = false), Description(
        "Initialize a new swarm with the given topology. Creates the swarm and its FANN routing network " +
        "[128, 64, 32, maxAgents]; tools called without swarmId then act on this (the newest) swarm. Give requestId " +
        "to make a retried call safe: a repeat returns the swarm the first call created.")]
    public async Task<SwarmInfo> SwarmInit(
        [Description("Swarm topology type")] SwarmTopology topology,
        [Description("Maximum number of agents (enforced by agent_spawn)"), Range(1, SwarmLimits.MaxAgents)] int maxAgents = SwarmLimits.DefaultMaxAgents,
        [Description("Distribution strategy")] DistributionStrategy strategy = DistributionStrategy.Balanced,
        [Description("Idempotency key: a repeat with the same requestId returns the first call's swarm and changes nothing"), StringLength(TaskLimits.MaxRequestIdLength, MinimumLength = 1)] string? requestId = null,
        [Description("The routing network trains by itself after this many new task outcomes (0: only when neural_train is called)"), Range(0, SwarmLimits.MaxTrainEvery)] int trainEvery = SwarmLimits.DefaultTrainEvery,
        CancellationToken cancellationToken = default)
    {
        var config = new SwarmConfig(topology, strategy, maxAgents)
        {
            RequestId = requestId,
            TrainEvery = trainEvery,
        };
        var swarmId = requestId is null ? GrainCalls.NewSwarmId() : GrainCalls.SwarmIdForRequest("swarm_init", requestId);
        return await grains.Write(() => grains.Swarm(swarmId).Initialize(config), cancellationToken, requestId);
    }

    [McpServerTool(Name = "swarm_status", ReadOnly = true, Idempotent = true), Description(
        "Get current swarm status: agents (idle/busy), task counts by status, activity counters and the routing " +
        "network's state; verbose adds every agent. Also lists the ids of your newest swarms (newest first, up " +
        "to a limit) and how many you have in all (swarmCount).")]
    public async Task<SwarmStatusResult> SwarmStatus(
        [Description("Include detailed agent information")] bool verbose = false,
        [Description("Swarm to report on (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var id = await grains.ResolveSwarm(swarmId, cancellationToken);
        var statusTask = grains.Read(() => grains.Swarm(id).GetStatus(verbose), cancellationToken);
        var swarmsTask = grains.Read(() => grains.Registry.NewestSwarms(SwarmLimits.StatusSwarmIds), cancellationToken);
        var status = await statusTask;
        var swarms = await swarmsTask;
        return new SwarmStatusResult(
            id, status.Info,
            new AgentCounts(status.Info.AgentCount, status.IdleAgents, status.BusyAgents),
            TaskCountsView.From(status.Tasks), status.Counters, status.Neural,
            verbose ? status.Agents : null,
            swarms.Ids, swarms.Total);
    }

    [McpServerTool(Name = "swarm_monitor", ReadOnly = true), Description(
        "Monitor swarm activity in real time: samples the swarm's counters and agent/task counts every `interval` " +
        "seconds for `duration` seconds (at most 60 s and 600 samples) and returns the series with per-sample " +
        "deltas and rates per second. The call returns when the window ends.")]
    public async Task<MonitorResult> SwarmMonitor(
        [Description("Monitoring duration in seconds (0 = one sample)"), Range(0, MonitorLimits.MaxSeconds)] double duration = 10,
        [Description("Update interval in seconds"), Range(MonitorLimits.MinInterval, MonitorLimits.MaxSeconds)] double interval = 1,
        [Description("Swarm to monitor (default: the newest swarm)")] string? swarmId = null,
        ToolProgress? progress = null,
        CancellationToken cancellationToken = default)
    {
        progress ??= ToolProgress.None;
        var sampleCount = (int)Math.Floor(duration / interval + 1e-9) + 1;
        if (sampleCount > MonitorLimits.MaxSamples)
            throw DomainException.Invalid("interval", $"duration/interval gives {sampleCount} samples; at most {MonitorLimits.MaxSamples} (use a larger interval)");

        var id = await grains.ResolveSwarm(swarmId, cancellationToken);
        var swarm = grains.Swarm(id);
        var samples = new List<MonitorSample>(sampleCount);
        var clock = Stopwatch.StartNew();
        MonitorSample? previous = null;

        for (var i = 0; i < sampleCount; i++)
        {
            // Sample on a fixed schedule (not "interval after the last sample") so slow calls do not stretch the window.
            var due = TimeSpan.FromSeconds(i * interval) - clock.Elapsed;
            if (due > TimeSpan.Zero)
                await Task.Delay(due, cancellationToken);
            var status = await grains.Read(() => swarm.GetStatus(false), cancellationToken);
            var sample = MonitorSample.From(clock.Elapsed.TotalSeconds, status, previous);
            samples.Add(sample);
            previous = sample;
            await progress.ReportAsync(i + 1, sampleCount,
                $"sample {i + 1} of {sampleCount} at {sample.T:0.0} s: {status.BusyAgents} busy agents, {status.Tasks.Total - status.Tasks.Completed - status.Tasks.Failed - status.Tasks.Cancelled} open tasks",
                cancellationToken);
        }

        var first = samples[0];
        var last = samples[^1];
        var window = last.T - first.T;
        return new MonitorResult(id, Values.Round(duration), Values.Round(interval), samples.Count, samples,
            new MonitorSummary(
                Values.Round(window),
                CounterDelta.Between(first.Counters, last.Counters),
                window > 0 ? CounterRates.Of(CounterDelta.Between(first.Counters, last.Counters), window) : null,
                samples.Max(s => s.Agents.Busy),
                samples.Max(s => s.Tasks.Pending + s.Tasks.Blocked + s.Tasks.Assigned + s.Tasks.InProgress)));
    }

    [McpServerTool(Name = "swarm_destroy", Destructive = true), ToolScope(Scope.Admin), Description(
        "Destroy a swarm: cancels its open tasks, retires its agents and deletes its stored state and network.")]
    public async Task<SwarmDestroyResult> SwarmDestroy(
        [Description("The swarm to destroy")] string swarmId,
        CancellationToken cancellationToken = default)
    {
        var id = Ids.Swarm(swarmId);
        return await grains.Write(() => grains.Swarm(id).Destroy(), cancellationToken);
    }

    [McpServerTool(Name = "swarm_create_with_queen", Destructive = false), Description(
        "Create a swarm planned by its Queen: she reads the objective (deterministic rules, listed in the plan's " +
        "rationale), breaks it into sub-tasks with dependencies (research/design → implement → test → review → " +
        "document, and any order it states), picks topology, strategy and agents, then creates the swarm, spawns " +
        "the agents and queues the tasks for workers to claim (task_claim). She then supervises the hive: expired " +
        "leases go back to the queue, a failure is retried once on another agent, and work no agent can take gets " +
        "an agent (within maxAgents); queen_status shows all of it. Use swarm_plan to see the plan without creating " +
        "anything. Give requestId to make a retried call safe.")]
    public async Task<HiveResult> SwarmCreateWithQueen(
        [Description("What the swarm should achieve"), StringLength(ObjectiveMaxLength, MinimumLength = 1)] string objective,
        [Description("Upper bound for the number of agents (default: the Queen decides)"), Range(1, SwarmLimits.MaxAgents)] int? maxAgents = null,
        [Description("Force a topology (default: the Queen decides)")] SwarmTopology? topology = null,
        [Description("Idempotency key: a repeat with the same requestId returns the first call's hive and changes nothing"), StringLength(TaskLimits.MaxRequestIdLength, MinimumLength = 1)] string? requestId = null,
        CancellationToken cancellationToken = default)
    {
        var text = Values.NonBlank(objective, "objective");
        SwarmTopology? forced = topology;
        var swarmId = requestId is null ? GrainCalls.NewSwarmId() : GrainCalls.SwarmIdForRequest("swarm_create_with_queen", requestId);
        return await grains.Write(() => grains.Queen(swarmId).CreateHive(text, maxAgents, forced), cancellationToken, requestId);
    }

    [McpServerTool(Name = "queen_status", ReadOnly = true, Idempotent = true), Description(
        "What the Queen sees in her hive: her plan (null for swarms made by swarm_init), each task's state and " +
        "dependencies, the critical path (the longest chain of unfinished tasks), stalled tasks with the reason, and " +
        "every supervision action (lease expiries, requeues, retries on another agent, agents spawned) with time " +
        "and reason.")]
    public async Task<QueenStatus> QueenStatus(
        [Description("The hive's swarm (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var id = await grains.ResolveSwarm(swarmId, cancellationToken);
        return await grains.Read(() => grains.Queen(id).GetStatus(), cancellationToken);
    }

    [McpServerTool(Name = "swarm_plan", ReadOnly = true, Idempotent = true), Description(
        "Ask the Queen how she would build a swarm for an objective without creating anything: the sub-tasks she " +
        "reads out of it (each deliverable its own task with its own text, typed by work area, keyed t1…tn, with " +
        "dependsOn edges that follow the work and any order the text states), topology, strategy, agents and the " +
        "rules that fired.")]
    public async Task<SwarmPlan> SwarmPlan(
        [Description("What the swarm should achieve"), StringLength(ObjectiveMaxLength, MinimumLength = 1)] string objective,
        [Description("Upper bound for the number of agents (default: the Queen decides)"), Range(1, SwarmLimits.MaxAgents)] int? maxAgents = null,
        [Description("Force a topology (default: the Queen decides)")] SwarmTopology? topology = null,
        CancellationToken cancellationToken = default)
    {
        var text = Values.NonBlank(objective, "objective");
        SwarmTopology? forced = topology;
        // Analysis is stateless and deterministic, so one well-known Queen per tenant answers every plan request.
        return await grains.Read(() => grains.Queen(GrainKeys.PlannerId(Caller.Current.Tenant)).Analyze(text, maxAgents, forced), cancellationToken);
    }

    private const int ObjectiveMaxLength = SwarmLimits.MaxObjectiveLength;
}

public sealed record AgentCounts(int Total, int Idle, int Busy);

public sealed record TaskCountsView(int Pending, int Blocked, int Assigned, int InProgress, int Completed, int Failed, int Cancelled, int Total)
{
    public static TaskCountsView From(TaskCounts c) => new(c.Pending, c.Blocked, c.Assigned, c.InProgress, c.Completed, c.Failed, c.Cancelled, c.Total);

    /// <summary>Statuses that have tasks, in ruv-swarm's spelling ("in_progress").</summary>
    public IReadOnlyDictionary<string, int> ByStatus() => new Dictionary<string, int>
    {
        ["pending"] = Pending, ["blocked"] = Blocked, ["assigned"] = Assigned, ["in_progress"] = InProgress,
        ["completed"] = Completed, ["failed"] = Failed, ["cancelled"] = Cancelled,
    }.Where(kv => kv.Value > 0).ToDictionary();
}

public sealed record SwarmStatusResult(
    string SwarmId,
    SwarmInfo Swarm,
    AgentCounts Agents,
    TaskCountsView Tasks,
    SwarmCounters Counters,
    NeuralStatus Neural,
    IReadOnlyList<AgentInfo>? AgentDetails,
    IReadOnlyList<string> SwarmIds,
    int SwarmCount);

public sealed record CounterDelta(long AgentsSpawned, long TasksOrchestrated, long TasksCompleted, long TasksFailed, long NetworkRuns, long TrainingEpochs)
{
    public static CounterDelta Between(SwarmCounters a, SwarmCounters b) => new(
        b.AgentsSpawned - a.AgentsSpawned, b.TasksOrchestrated - a.TasksOrchestrated, b.TasksCompleted - a.TasksCompleted,
        b.TasksFailed - a.TasksFailed, b.NetworkRuns - a.NetworkRuns, b.TrainingEpochs - a.TrainingEpochs);
}

/// <summary>Events per second over a span.</summary>
public sealed record CounterRates(double AgentsSpawned, double TasksOrchestrated, double TasksCompleted, double TasksFailed, double NetworkRuns, double TrainingEpochs)
{
    public static CounterRates Of(CounterDelta d, double seconds) => new(
        Values.Round(d.AgentsSpawned / seconds), Values.Round(d.TasksOrchestrated / seconds), Values.Round(d.TasksCompleted / seconds),
        Values.Round(d.TasksFailed / seconds), Values.Round(d.NetworkRuns / seconds), Values.Round(d.TrainingEpochs / seconds));
}

public sealed record MonitorSample(
    double T,
    DateTimeOffset At,
    AgentCounts Agents,
    TaskCountsView Tasks,
    SwarmCounters Counters,
    CounterDelta? Delta,
    CounterRates? RatePerSecond)
{
    public static MonitorSample From(double t, SwarmStatus status, MonitorSample? previous)
    {
        var delta = previous is null ? null : CounterDelta.Between(previous.Counters, status.Counters);
        var span = previous is null ? 0 : t - previous.T;
        return new MonitorSample(
            Values.Round(t), DateTimeOffset.UtcNow,
            new AgentCounts(status.Info.AgentCount, status.IdleAgents, status.BusyAgents),
            TaskCountsView.From(status.Tasks), status.Counters,
            delta, delta is not null && span > 0 ? CounterRates.Of(delta, span) : null);
    }
}

public sealed record MonitorSummary(double WindowSeconds, CounterDelta Delta, CounterRates? RatePerSecond, int PeakBusyAgents, int PeakOpenTasks);

public sealed record MonitorResult(string SwarmId, double Duration, double Interval, int SampleCount, IReadOnlyList<MonitorSample> Samples, MonitorSummary Summary);
