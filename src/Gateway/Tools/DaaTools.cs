using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using ModelContextProtocol.Server;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Daa;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Gateway.Cluster;
using SwarmCluster.Gateway.Security;

namespace SwarmCluster.Gateway.Tools;

/// <summary>
/// ruv-swarm's ten daa_* tools with its parameter names (snake_case twins included), each backed by the cluster:
/// the swarm's DAA grain (settings, learning records), workflow grains (task graphs) and memory namespaces
/// (knowledge). Agents are named by their agent id or by the id given to daa_agent_create (see docs/daa.md).
/// </summary>
[McpServerToolType]
public sealed class DaaTools(GrainCalls grains, ProcessFigures process)
{
    [McpServerTool(Name = "daa_init", Destructive = false, Idempotent = true), ToolScope(Scope.Write), Description(
        "Initialize DAA (Decentralized Autonomous Agents) for a swarm: enableLearning (daa_agent_adapt adapts " +
        "agents and daa_meta_learning may change the network), enableCoordination (agents may share knowledge), " +
        "persistenceMode for shared knowledge: memory = written behind (answers before the database write), " +
        "disk and auto = answered only after the database write. Omitted settings keep their value (defaults: " +
        "learning and coordination on, auto).")]
    public async Task<DaaSettingsInfo> DaaInit(
        [Description("Enable autonomous learning")] bool? enableLearning = null,
        [Description("Enable peer coordination")] bool? enableCoordination = null,
        [Description("Persistence mode")] PersistenceMode? persistenceMode = null,
        [Description("Swarm to initialize (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var settings = new DaaSettings(enableLearning, enableCoordination,
            persistenceMode);
        var swarm = await grains.ResolveSwarm(swarmId, cancellationToken);
        return await grains.Write(() => grains.Daa(swarm).Initialize(settings), cancellationToken);
    }

    [McpServerTool(Name = "daa_agent_create", Destructive = false, Idempotent = true), ToolScope(Scope.Write), Description(
        "Create an autonomous agent with the given id in the swarm. The id (1–48 letters, digits, '-', '_', '.') " +
        "becomes the agent's name and alias: the agent's cluster id (agentId in the result) is derived from swarm " +
        "and id, so the same id always names the same agent, after restarts too, and every daa_* tool accepts " +
        "either. A repeat finds the agent (created: false). learningRate (0–1, default 0.1) is how far each " +
        "feedback score moves its performance estimate; enableMemory: false means it keeps no shared knowledge.")]
    public async Task<DaaAgentInfo> DaaAgentCreate(
        [Description("Unique agent identifier"), StringLength(DaaLimits.MaxAliasLength, MinimumLength = 1)] string id,
        [Description("Agent capabilities"), MaxLength(SwarmLimits.MaxCapabilities)] string[]? capabilities = null,
        [Description("Cognitive thinking pattern")] CognitivePattern? cognitivePattern = null,
        [Description("Learning rate (0-1)"), Range(0.0, 1.0)] double? learningRate = null,
        [Description("Enable persistent memory")] bool? enableMemory = null,
        [Description("Swarm to create it in (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var spec = new DaaAgentSpec(id, Values.Labels(capabilities, "capabilities", SwarmLimits.MaxCapabilityLength),
            cognitivePattern, learningRate, enableMemory);
        var swarm = await grains.ResolveSwarm(swarmId, cancellationToken);
        // Idempotent by construction (the agent id is derived from the id), so a timed-out call may be retried.
        return await grains.Write(() => grains.Daa(swarm).CreateAgent(spec), cancellationToken, requestId: id);
    }

    [McpServerTool(Name = "daa_agent_adapt", Destructive = false), ToolScope(Scope.Write), Description(
        "Record feedback for an agent (text, performanceScore 0–1, suggestions) in its history and adapt it by a " +
        "fixed rule: its performance estimate moves toward the score by its learningRate; " + "3 scores in a row " +
        "below 0.5 switch its cognitive pattern to the next one (convergent → divergent → lateral → systems → " +
        "critical → adaptive → convergent). The result says what changed and why.")]
    public async Task<DaaAdaptation> DaaAgentAdapt(
        [Description("Agent ID to adapt")] string? agent_id = null,
        [Description("Agent ID to adapt (legacy)")] string? agentId = null,
        [Description("Feedback message"), StringLength(DaaLimits.MaxFeedbackLength)] string? feedback = null,
        [Description("Performance score (0-1)"), Range(0.0, 1.0)] double? performanceScore = null,
        [Description("Improvement suggestions"), MaxLength(DaaLimits.MaxSuggestions)] string[]? suggestions = null,
        [Description("Swarm of the agent (default: the agent id's swarm, else the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var (swarm, agent) = await ResolveAgent(Either(agent_id, "agent_id", agentId, "agentId"), "agentId", swarmId, cancellationToken);
        var input = new DaaFeedback(feedback, performanceScore, suggestions);
        return await grains.Write(() => grains.Daa(swarm).Adapt(agent, input), cancellationToken);
    }

    [McpServerTool(Name = "daa_workflow_create", Destructive = false, Idempotent = true), ToolScope(Scope.Write), Description(
        "Create a named workflow, stored durably: steps ({id, description, dependsOn?, requiredCapabilities?, " +
        "priority?}) and dependencies ({stepId: [step ids it waits for]}, merged with each step's dependsOn). A " +
        "cycle is refused with the cycle named. strategy sequential runs one step at a time; parallel and adaptive " +
        "run independent steps at once. The same definition again is harmless; a different one under the same id " +
        "is a conflict.")]
    public async Task<WorkflowInfo> DaaWorkflowCreate(
        [Description("Workflow ID"), StringLength(DaaLimits.MaxWorkflowIdLength, MinimumLength = 1)] string id,
        [Description("Workflow name"), StringLength(SwarmLimits.MaxNameLength, MinimumLength = 1)] string name,
        [Description("Workflow steps"), MaxLength(DaaLimits.MaxWorkflowSteps)] WorkflowStepArgument[]? steps = null,
        [Description("Step dependencies")] Dictionary<string, string[]>? dependencies = null,
        [Description("Execution strategy")] ExecutionStrategy? strategy = null,
        CancellationToken cancellationToken = default)
    {
        if (!GrainKeys.IsWorkflowId(id))
            throw DomainException.Invalid("id", $"must be 1–{DaaLimits.MaxWorkflowIdLength} letters, digits, '-', '_' or '.' (got '{id}')");
        if (steps is null || steps.Length == 0)
            throw DomainException.Invalid("steps", "must contain at least one step {id, description}");
        var known = steps.Select(s => s?.Id).ToHashSet();
        foreach (var key in (dependencies ?? []).Keys.Where(k => !known.Contains(k)))
            throw DomainException.Invalid($"dependencies.{key}", $"names no step (steps: {string.Join(", ", known)})");
        var definition = new WorkflowDefinition(Values.NonBlank(name, "name"), steps.Select((s, i) => s is null
            ? throw DomainException.Invalid($"steps[{i}]", "must be an object {id, description}")
            : new WorkflowStep(s.Id, s.Description ?? "", (s.DependsOn ?? []).Concat(dependencies?.GetValueOrDefault(s.Id) ?? []).Distinct().ToList(),
                Values.Labels(s.RequiredCapabilities, $"steps[{i}].requiredCapabilities", SwarmLimits.MaxCapabilityLength),
                s.Priority is null ? TaskPriority.Medium : Values.Enum<TaskPriority>(s.Priority, $"steps[{i}].priority"))).ToList(),
            strategy ?? ExecutionStrategy.Parallel);
        return await grains.Write(() => grains.Workflow(id).Create(definition), cancellationToken, requestId: id);
    }

    [McpServerTool(Name = "daa_workflow_execute", Destructive = false, Idempotent = true), ToolScope(Scope.Write), Description(
        "Execute a workflow in a swarm: every step becomes a task (dependencies as task dependencies) that workers " +
        "take with task_claim and finish with task_complete. agentIds: only these agents may claim the steps. " +
        "parallelExecution: false chains the steps one after another; true runs independent steps at once (default: " +
        "the workflow's strategy). Calling it again for the same swarm starts nothing new and reports the run's " +
        "progress from its tasks (finished: true once every step is done).")]
    public async Task<WorkflowProgress> DaaWorkflowExecute(
        [Description("Workflow ID to execute")] string? workflow_id = null,
        [Description("Workflow ID to execute (legacy)")] string? workflowId = null,
        [Description("Agent IDs to use"), MaxLength(SwarmLimits.MaxAgents)] string[]? agentIds = null,
        [Description("Enable parallel execution")] bool? parallelExecution = null,
        [Description("Swarm to run it in (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var id = Either(workflow_id, "workflow_id", workflowId, "workflowId")
            ?? throw DomainException.Invalid("workflowId", "required (or workflow_id): the id given to daa_workflow_create");
        if (!GrainKeys.IsWorkflowId(id))
            throw DomainException.NotFound("workflow", id, "workflowId");
        var swarm = await grains.ResolveSwarm(swarmId, cancellationToken);
        var agents = agentIds?.Select((a, i) => AgentIn(swarm, a, $"agentIds[{i}]")).ToList();
        var request = new WorkflowRunRequest(swarm, agents, parallelExecution);
        return await grains.Write(() => grains.Workflow(id).Execute(request), cancellationToken, requestId: id);
    }

    [McpServerTool(Name = "daa_knowledge_share", Destructive = false), ToolScope(Scope.Write), Description(
        "Share knowledge (knowledgeDomain + knowledgeContent, a JSON object) from a source agent with target agents: " +
        "each target's knowledge namespace in shared memory (memory_usage namespace 'kb:<agent id without agent->', " +
        "key '<domain>/<source agent id>') gets a copy. Counts are the entries really written; targets created with " +
        "enableMemory: false are skipped and say so. Refused when daa_init turned coordination off.")]
    public async Task<KnowledgeShareResult> DaaKnowledgeShare(
        [Description("Source agent ID")] string? source_agent = null,
        [Description("Source agent ID (legacy)")] string? sourceAgentId = null,
        [Description("Target agent IDs"), MaxLength(SwarmLimits.MaxAgents)] string[]? target_agents = null,
        [Description("Target agent IDs (legacy)"), MaxLength(SwarmLimits.MaxAgents)] string[]? targetAgentIds = null,
        [Description("Knowledge domain"), StringLength(DaaLimits.MaxKnowledgeDomainLength, MinimumLength = 1)] string knowledgeDomain = "general",
        [Description("Knowledge to share")] Dictionary<string, JsonElement>? knowledgeContent = null,
        [Description("Swarm of the agents (default: the source agent id's swarm, else the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var (swarm, source) = await ResolveAgent(Either(source_agent, "source_agent", sourceAgentId, "sourceAgentId"), "sourceAgentId", swarmId, cancellationToken);
        var targets = (target_agents is not null && targetAgentIds is not null && !target_agents.SequenceEqual(targetAgentIds)
                ? throw DomainException.Invalid("targetAgentIds", "target_agents and targetAgentIds name different agents; give one of them")
                : target_agents ?? targetAgentIds)
            ?? throw DomainException.Invalid("targetAgentIds", "required (or target_agents): the agents to share with");
        var resolved = targets.Select((t, i) => AgentIn(swarm, t, $"targetAgentIds[{i}]")).ToList();
        if (knowledgeContent is null)
            throw DomainException.Invalid("knowledgeContent", "required: the knowledge to share, a JSON object");
        var share = new KnowledgeShare(source, resolved, Values.NonBlank(knowledgeDomain, "knowledgeDomain"), JsonSerializer.Serialize(knowledgeContent));
        return await grains.Write(() => grains.Daa(swarm).ShareKnowledge(share), cancellationToken);
    }

    [McpServerTool(Name = "daa_learning_status", ReadOnly = true, Idempotent = true), ToolScope(Scope.Read), Description(
        "Learning progress of one agent or all agents of a swarm, from what is recorded: task outcomes, feedback " +
        "and adaptations with their times, pattern history, knowledge entries, the swarm network's training " +
        "(epochs, last MSE) and its routing accuracy on held-out outcomes. detailed: every kept feedback and " +
        "adaptation (else the last 5) and recent outcomes.")]
    public async Task<DaaLearningStatus> DaaLearningStatus(
        [Description("Specific agent ID (optional)")] string? agentId = null,
        [Description("Include detailed metrics")] bool detailed = false,
        [Description("Swarm to report (default: the agent id's swarm, else the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var (swarm, agent) = agentId is null
            ? (await grains.ResolveSwarm(swarmId, cancellationToken), null)
            : await ResolveAgent(agentId, "agentId", swarmId, cancellationToken);
        return await grains.Read(() => grains.Daa(swarm).GetLearningStatus(agent, detailed), cancellationToken);
    }

    [McpServerTool(Name = "daa_cognitive_pattern", Destructive = false), ToolScope(Scope.Read), Description(
        "analyze (default): performance by cognitive pattern from recorded outcomes and feedback scores, each " +
        "counted under the pattern the agent had at the time (one agent or the whole swarm). change: set the " +
        "agent's pattern (recorded in its pattern history; needs the write scope, analyze needs read).")]
    public async Task<object> DaaCognitivePattern(
        [Description("Agent ID")] string? agent_id = null,
        [Description("Agent ID (legacy)")] string? agentId = null,
        [Description("Action to perform")] PatternAction? action = null,
        [Description("New pattern to set")] CognitivePattern? pattern = null,
        [Description("Analyze patterns instead of changing")] bool? analyze = null,
        [Description("Swarm to analyze (default: the agent id's swarm, else the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var agentRef = Either(agent_id, "agent_id", agentId, "agentId");
        var change = action == PatternAction.Change || (action is null && analyze == false) || (action is null && analyze is null && pattern is not null);
        if (action == PatternAction.Change && analyze == true)
            throw DomainException.Invalid("analyze", "contradicts action: change");
        if (!change)
        {
            var (swarm, agent) = agentRef is null
                ? (await grains.ResolveSwarm(swarmId, cancellationToken), null)
                : await ResolveAgent(agentRef, "agentId", swarmId, cancellationToken);
            return await grains.Read(() => grains.Daa(swarm).AnalyzePatterns(agent), cancellationToken);
        }

        Caller.Current.Require(Scope.Write, "daa_cognitive_pattern action=change"); // analyze only reads
        if (agentRef is null)
            throw DomainException.Invalid("agentId", "required to change a pattern (or agent_id)");
        if (pattern is null)
            throw DomainException.Invalid("pattern", "required to change a pattern: convergent, divergent, lateral, systems, critical or adaptive");
        var (target, id) = await ResolveAgent(agentRef, "agentId", swarmId, cancellationToken);
        var value = pattern.Value;
        return await grains.Write(() => grains.Daa(target).ChangePattern(id, value), cancellationToken);
    }

    [McpServerTool(Name = "daa_meta_learning", Destructive = false), ToolScope(Scope.Write), Description(
        "Transfer a trained routing network between swarms (domains are swarm ids; the shapes must match, i.e. the " +
        "same maxAgents): direct copies the FANN weights, gradual blends them half and half with the target's, " +
        "adaptive copies then fine-tunes on the target's own trainable outcomes. Reports the target routing " +
        "network's held-out accuracy and MSE before and after (the measure routing learning reports: outcomes held " +
        "out of every training). A swarm has one network: agentIds only restricts which agents' held-out outcomes " +
        "are measured.")]
    public async Task<TransferReport> DaaMetaLearning(
        [Description("Source knowledge domain")] string? sourceDomain = null,
        [Description("Target knowledge domain")] string? targetDomain = null,
        [Description("Transfer mode")] TransferMode? transferMode = null,
        [Description("Specific agents to update"), MaxLength(SwarmLimits.MaxAgents)] string[]? agentIds = null,
        CancellationToken cancellationToken = default)
    {
        var source = Ids.Swarm(sourceDomain ?? throw DomainException.Invalid("sourceDomain", "required: the swarm id whose network to transfer"), "sourceDomain");
        var target = targetDomain is null ? await grains.ResolveSwarm(null, cancellationToken) : Ids.Swarm(targetDomain, "targetDomain");
        var mode = transferMode ?? TransferMode.Adaptive;
        var agents = agentIds?.Select((a, i) => AgentIn(target, a, $"agentIds[{i}]")).ToList();
        return await grains.Write(() => grains.Daa(target).MetaLearn(source, mode, agents), cancellationToken);
    }

    [McpServerTool(Name = "daa_performance_metrics", ReadOnly = true, Idempotent = true), ToolScope(Scope.Read), Description(
        "Measured DAA figures of a swarm over timeRange (e.g. 30m, 1h, 24h, 7d; default 24h): performance " +
        "(tasks created/completed/failed, success rate, durations, quality, throughput), efficiency (agent " +
        "utilization from claim times, lease expiries, attempts, feedback scores), neural (network, held-out " +
        "routing accuracy, runs, adaptations), system (this process; agents are records, so per-agent CPU/memory " +
        "cannot be measured and the result says so).")]
    public async Task<DaaMetricsResult> DaaPerformanceMetrics(
        [Description("Metrics category")] MetricsCategory? category = null,
        [Description("Time range (e.g., 1h, 24h, 7d)"), StringLength(DaaLimits.MaxTimeRangeLength, MinimumLength = DaaLimits.MinTimeRangeLength)] string? timeRange = null,
        [Description("Swarm to report (default: the newest swarm)")] string? swarmId = null,
        CancellationToken cancellationToken = default)
    {
        var which = category ?? MetricsCategory.All;
        var window = ParseRange(timeRange ?? "24h");
        var swarm = await grains.ResolveSwarm(swarmId, cancellationToken);
        var figures = await grains.Read(() => grains.Daa(swarm).GetPerformance(which, window), cancellationToken);
        var system = which is MetricsCategory.All or MetricsCategory.System;
        return new DaaMetricsResult(Values.Name(which), timeRange ?? "24h", figures,
            system ? process.Snapshot() : null, system ? AgentTools.ResourceNote : null);
    }

    internal static TimeSpan ParseRange(string text)
    {
        var unit = text[^1];
        if (!int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1
            || unit is not ('m' or 'h' or 'd' or 'w'))
            throw DomainException.Invalid("timeRange", $"must be a whole number and a unit m, h, d or w, e.g. 30m, 1h, 24h, 7d (got '{text}')");
        var span = unit switch { 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), 'd' => TimeSpan.FromDays(n), _ => TimeSpan.FromDays(7.0 * n) };
        return span <= TimeSpan.FromHours(DaaLimits.MaxTimeRangeHours)
            ? span
            : throw DomainException.Invalid("timeRange", $"must be at most {DaaLimits.MaxTimeRangeHours / 24} days (got '{text}')");
    }

    /// <summary>ruv-swarm takes a snake_case and a camelCase spelling of the same argument: either, or both if equal.</summary>
    private static string? Either(string? snake, string snakeName, string? camel, string camelName) =>
        snake is not null && camel is not null && snake != camel
            ? throw DomainException.Invalid(camelName, $"{snakeName} and {camelName} differ; give one of them")
            : snake ?? camel;

    /// <summary>The swarm and agent id an agent reference names: an agent id carries its swarm; an alias is looked up in the given or newest swarm.</summary>
    private async Task<(string Swarm, string AgentId)> ResolveAgent(string? reference, string parameter, string? swarmId, CancellationToken cancellationToken)
    {
        if (reference is null)
            throw DomainException.Invalid(parameter, "required: an agent id or the id given to daa_agent_create");
        if (GrainKeys.IsAgentId(reference) && GrainKeys.SwarmOf(reference) is { } own)
        {
            if (swarmId is not null && swarmId != own)
                throw DomainException.Invalid("swarmId", $"agent '{reference}' belongs to swarm '{own}', not '{swarmId}'");
            return (own, reference);
        }

        var swarm = await grains.ResolveSwarm(swarmId, cancellationToken);
        return (swarm, AgentIn(swarm, reference, parameter));
    }

    private static string AgentIn(string swarm, string reference, string parameter)
    {
        if (GrainKeys.IsAgentId(reference))
            return GrainKeys.SwarmOf(reference) is { } own && own != swarm
                ? throw DomainException.Invalid(parameter, $"agent '{reference}' belongs to swarm '{own}', not '{swarm}'")
                : reference;
        return GrainKeys.IsAlias(reference)
            ? GrainKeys.AgentIdForAlias(swarm, reference)
            : throw DomainException.NotFound("agent", reference, parameter);
    }
}

/// <summary>One workflow step as the client sends it.</summary>
public sealed record WorkflowStepArgument(
    [property: Description("Step id (unique in the workflow)")] string Id,
    [property: Description("What to do: the task's description")] string? Description = null,
    [property: Description("Step ids that must complete first")] string[]? DependsOn = null,
    [property: Description("Capabilities an agent needs for this step")] string[]? RequiredCapabilities = null,
    [property: Description("Task priority: low, medium, high or critical")] string? Priority = null);

public sealed record DaaMetricsResult(string Category, string TimeRange, DaaPerformance Figures, ProcessSnapshot? System, string? SystemNote);
