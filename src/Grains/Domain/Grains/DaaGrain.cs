using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Daa;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Daa;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains;

/// <summary>
/// The DAA layer of one swarm (same key as the swarm, its own state row "daa"). It keeps what the swarm does not:
/// settings, learning rates, feedback, adaptations and pattern history. Agents, tasks and the network stay the
/// swarm's; knowledge lives in memory namespaces (of the swarm's tenant). It calls the swarm and memory grains, and
/// workflow grains in Forget; see IDaaGrain for who calls it and why Forget interleaves.
/// </summary>
[GrainType("daa"), WorkerPlacement, ActivationCountBasedPlacement]
public sealed class DaaGrain(
    [PersistentState(StorageNames.Daa, StorageNames.Provider)] IPersistentState<DaaGrainState> state,
    ILogger<DaaGrain> logger) : Grain, IDaaGrain
{
    private string Id => this.GetPrimaryKeyString();

    private ISwarmGrain Swarm => GrainFactory.GetGrain<ISwarmGrain>(Id);

    public async Task<DaaSettingsInfo> Initialize(DaaSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Persistence is { } mode)
        {
            Checks.Defined(mode, "persistenceMode");
        }

        await Swarm.GetInfo(); // NotFound for an unknown swarm
        var s = state.State;
        s.InitializedAt = DateTimeOffset.UtcNow;
        s.LearningDisabled = !(settings.EnableLearning ?? !s.LearningDisabled);
        s.CoordinationDisabled = !(settings.EnableCoordination ?? !s.CoordinationDisabled);
        s.Persistence = settings.Persistence ?? s.Persistence;
        await WriteAsync();
        logger.LogInformation("DAA for {SwarmId}: learning {Learning}, coordination {Coordination}, {Mode}", Id, !s.LearningDisabled, !s.CoordinationDisabled, s.Persistence);
        return Settings();
    }

    public async Task<DaaSettingsInfo> GetSettings()
    {
        await Swarm.GetInfo();
        return Settings();
    }

    public async Task<DaaAgentInfo> CreateAgent(DaaAgentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!GrainKeys.IsAlias(spec.Alias))
        {
            throw DomainException.Invalid("id", $"must be 1–{DaaLimits.MaxAliasLength} letters, digits, '-', '_' or '.', not starting with '{GrainKeys.AgentPrefix}' (got '{spec.Alias}')");
        }

        var rate = spec.LearningRate is { } r ? Checks.Fraction(r, "learningRate") : DaaLimits.DefaultLearningRate;
        if (spec.Pattern is { } p)
        {
            Checks.Defined(p, "cognitivePattern");
        }

        var capabilities = spec.Capabilities is { Count: > 0 } c ? c : null;
        var type = capabilities is null ? AgentType.Researcher : AgentProfiles.TypeFor(capabilities);
        var agent = await Swarm.SpawnAgent(new AgentSpec(type, spec.Alias, capabilities, spec.Pattern) { RequestId = GrainKeys.AliasRequestPrefix + spec.Alias });
        var created = !state.State.Agents.TryGetValue(agent.Id, out var record);
        if (record is null)
        {
            record = new DaaAgentState { Alias = spec.Alias, LearningRate = rate, MemoryDisabled = spec.EnableMemory == false };
            record.Patterns.Add(new DaaPatternChange(agent.CreatedAt, null, agent.Pattern, "created"));
            state.State.Agents[agent.Id] = record;
            await WriteAsync();
        }

        return View(agent, record, created);
    }

    public async Task<DaaAdaptation> Adapt(string agentId, DaaFeedback feedback)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        var agent = await Swarm.GetAgent(agentId);
        var text = Checks.Text(feedback.Text, "feedback", DaaLimits.MaxFeedbackLength, required: false);
        var score = feedback.Score is { } sc ? Checks.Fraction(sc, "performanceScore") : (double?)null;
        var suggestions = Suggestions(feedback.Suggestions);
        var record = Record(agent);
        var now = DateTimeOffset.UtcNow;

        record.Feedback.Add(new DaaFeedbackEntry(now, text.Length > 0 ? text : null, score, suggestions));
        Trim(record.Feedback);
        record.FeedbackCount++;
        if (score is { } s)
        {
            record.ScoreSum += s;
            record.ScoreCount++;
        }

        var step = AdaptationRule.Apply(record.Estimate, record.LowScoreStreak, record.LearningRate ?? DaaLimits.DefaultLearningRate, score, agent.Pattern, !state.State.LearningDisabled);
        var adaptation = new DaaAdaptation(agent.Id, now, score, record.Estimate, step.Estimate, agent.Pattern, step.Pattern, step.Streak, step.Reason);
        if (step.Adapted)
        {
            if (step.Pattern != agent.Pattern)
            {
                await Swarm.SetAgentPattern(agent.Id, step.Pattern);
                record.Patterns.Add(new DaaPatternChange(now, agent.Pattern, step.Pattern, step.Reason));
            }

            record.Estimate = step.Estimate;
            record.LowScoreStreak = step.Streak;
            record.Adaptations.Add(adaptation);
            Trim(record.Adaptations);
            record.AdaptationCount++;
        }

        await WriteAsync();
        return adaptation;
    }

    public async Task<DaaLearningStatus> GetLearningStatus(string? agentId, bool detailed)
    {
        var agents = agentId is null ? await Swarm.ListAgents(null) : [await Swarm.GetAgent(agentId)];
        var accuracy = await Swarm.GetRoutingAccuracy(agentId is null ? null : [agentId]);
        var network = await Swarm.GetNeuralStatus();
        var rows = new List<DaaAgentLearning>();
        var keep = detailed ? DaaLimits.MaxHistory : 5;
        foreach (var agent in agents)
        {
            state.State.Agents.TryGetValue(agent.Id, out var record);
            record ??= new DaaAgentState();
            var knowledge = await Knowledge(agent.Id).GetStats();
            var outcomes = detailed || agentId is not null ? await Swarm.GetAgentHistory(agent.Id, 20) : [];
            rows.Add(new DaaAgentLearning(View(agent, record, false), record.FeedbackCount,
                record.ScoreCount > 0 ? record.ScoreSum / record.ScoreCount : null, record.LowScoreStreak, record.AdaptationCount,
                Math.Max(0, record.Patterns.Count - 1), knowledge.Entries,
                record.Feedback.TakeLast(keep).ToList(), record.Adaptations.TakeLast(keep).ToList(), record.Patterns.ToList(), outcomes));
        }

        return new DaaLearningStatus(Settings(), accuracy, network, rows);
    }

    public async Task<PatternAnalysis> AnalyzePatterns(string? agentId)
    {
        var agents = agentId is null ? await Swarm.ListAgents(null) : [await Swarm.GetAgent(agentId)];
        var tally = Enum.GetValues<CognitivePattern>().ToDictionary(p => p, _ => new PatternTally());
        foreach (var agent in agents)
        {
            state.State.Agents.TryGetValue(agent.Id, out var record);
            var timeline = new PatternTimeline(record?.Patterns, agent.Pattern);
            tally[agent.Pattern].Agents++;
            foreach (var outcome in await Swarm.GetAgentHistory(agent.Id, 1000))
            {
                tally[timeline.At(outcome.FinishedAt)].Add(outcome);
            }

            foreach (var entry in record?.Feedback ?? [])
            {
                if (entry.Score is { } score)
                {
                    tally[timeline.At(entry.At)].AddScore(score);
                }
            }
        }

        var history = agentId is not null && state.State.Agents.TryGetValue(agentId, out var one) ? one.Patterns.ToList() : [];
        return new PatternAnalysis(Id, agentId, tally.Select(t => t.Value.View(t.Key)).ToList(), history, PatternTimeline.Method);
    }

    public async Task<PatternChangeResult> ChangePattern(string agentId, CognitivePattern pattern)
    {
        Checks.Defined(pattern, "pattern");
        var agent = await Swarm.GetAgent(agentId);
        var record = Record(agent);
        var change = new DaaPatternChange(DateTimeOffset.UtcNow, agent.Pattern, pattern,
            agent.Pattern == pattern ? "daa_cognitive_pattern change: already this pattern" : "daa_cognitive_pattern change");
        var updated = agent.Pattern == pattern ? agent : await Swarm.SetAgentPattern(agent.Id, pattern);
        if (agent.Pattern != pattern)
        {
            record.Patterns.Add(change);
            record.LowScoreStreak = 0;
            await WriteAsync();
        }

        return new PatternChangeResult(updated, change);
    }

    public async Task<KnowledgeShareResult> ShareKnowledge(KnowledgeShare share)
    {
        ArgumentNullException.ThrowIfNull(share);
        // The arguments first: a bad request is refused as such whatever the settings.
        var domain = Checks.Text(share.Domain, "knowledgeDomain", DaaLimits.MaxKnowledgeDomainLength);
        var content = KnowledgeContent(share.ContentJson);
        if (share.TargetAgentIds is null || share.TargetAgentIds.Count == 0)
        {
            throw DomainException.Invalid("targetAgentIds", "must name at least one agent");
        }

        if (share.TargetAgentIds.Count > SwarmLimits.MaxAgents)
        {
            throw DomainException.Invalid("targetAgentIds", $"must name at most {SwarmLimits.MaxAgents} agents (got {share.TargetAgentIds.Count})");
        }

        if (state.State.CoordinationDisabled)
        {
            throw new DomainException(ErrorKind.Conflict, $"enableCoordination: peer coordination is off for swarm '{Id}' (daa_init enableCoordination: false); knowledge is not shared", "enableCoordination");
        }

        var roster = (await Swarm.ListAgents(null)).ToDictionary(a => a.Id, StringComparer.Ordinal);
        if (!roster.ContainsKey(share.SourceAgentId))
        {
            throw new DomainException(ErrorKind.NotFound, $"agent '{share.SourceAgentId}' not found in swarm '{Id}'", "sourceAgentId");
        }

        for (var i = 0; i < share.TargetAgentIds.Count; i++)
        {
            if (!roster.ContainsKey(share.TargetAgentIds[i]))
            {
                throw new DomainException(ErrorKind.NotFound, $"agent '{share.TargetAgentIds[i]}' not found in swarm '{Id}'", $"targetAgentIds[{i}]");
            }
        }

        var now = DateTimeOffset.UtcNow;
        var value = JsonSerializer.Serialize(new { domain, from = share.SourceAgentId, sharedAt = now, content });
        var key = $"{domain}/{share.SourceAgentId}";
        var persist = state.State.Persistence != PersistenceMode.Memory;
        var metadata = new Dictionary<string, string> { ["domain"] = domain, ["source"] = share.SourceAgentId };
        var deliveries = new List<KnowledgeDelivery>();
        foreach (var target in share.TargetAgentIds.Distinct(StringComparer.Ordinal))
        {
            if (target == share.SourceAgentId)
            {
                deliveries.Add(new KnowledgeDelivery(target, false, null, null, false, 0, "the source agent itself"));
                continue;
            }

            if (state.State.Agents.TryGetValue(target, out var record) && record.MemoryDisabled)
            {
                deliveries.Add(new KnowledgeDelivery(target, false, null, null, false, 0, "created with enableMemory: false, so it keeps no knowledge"));
                continue;
            }

            var ns = GrainKeys.KnowledgeNamespace(target);
            var memory = Knowledge(target);
            var entry = await memory.Store(new MemoryWrite(key, value, metadata, null, persist));
            var stats = await memory.GetStats();
            deliveries.Add(new KnowledgeDelivery(target, true, ns, key, entry.Durable, stats.Entries, null));
        }

        var delivered = deliveries.Count(d => d.Delivered);
        logger.LogInformation("DAA {SwarmId}: {Source} shared '{Domain}' with {Delivered} agents", Id, share.SourceAgentId, domain, delivered);
        return new KnowledgeShareResult(Id, share.SourceAgentId, domain, delivered, deliveries.Count - delivered, deliveries);
    }

    public async Task<DaaPerformance> GetPerformance(MetricsCategory category, TimeSpan window)
    {
        Checks.Defined(category, "category");
        if (window <= TimeSpan.Zero || window > TimeSpan.FromHours(DaaLimits.MaxTimeRangeHours))
        {
            throw DomainException.Invalid("timeRange", $"must be between 1 minute and {DaaLimits.MaxTimeRangeHours} hours");
        }

        var to = DateTimeOffset.UtcNow;
        var from = to - window;
        var status = await Swarm.GetStatus(true);
        var all = category == MetricsCategory.All;
        TaskWindowFigures? performance = null;
        EfficiencyFigures? efficiency = null;
        if (all || category is MetricsCategory.Performance or MetricsCategory.Efficiency)
        {
            var listing = await Swarm.ListTasks(null, true, TaskLimits.MaxListedTasks);
            var figures = new WindowFigures(listing, from, to);
            performance = all || category == MetricsCategory.Performance ? figures.Performance() : null;
            if (all || category == MetricsCategory.Efficiency)
            {
                var scores = state.State.Agents.Values.SelectMany(a => a.Feedback).Where(f => f.At >= from && f.Score is not null).Select(f => f.Score!.Value).ToList();
                efficiency = figures.Efficiency(status.Info.AgentCount, status.BusyAgents, scores.Count > 0 ? scores.Average() : null);
            }
        }

        NeuralFigures? neural = null;
        if (all || category == MetricsCategory.Neural)
        {
            var adaptations = state.State.Agents.Values.SelectMany(a => a.Adaptations).Count(a => a.At >= from);
            var switches = state.State.Agents.Values.SelectMany(a => a.Patterns).Count(p => p.From is not null && p.At >= from);
            neural = new NeuralFigures(status.Neural, await Swarm.GetRoutingAccuracy(null), status.Counters.NetworkRuns, adaptations, switches);
        }

        return new DaaPerformance(Id, from, to, performance, efficiency, neural);
    }

    public async Task<TransferReport> MetaLearn(string sourceSwarmId, TransferMode mode, IReadOnlyList<string>? agentIds)
    {
        Checks.Defined(mode, "transferMode");
        if (state.State.LearningDisabled)
        {
            throw new DomainException(ErrorKind.Conflict, $"enableLearning: learning is off for swarm '{Id}' (daa_init enableLearning: false); nothing is transferred", "enableLearning");
        }

        if (sourceSwarmId == Id)
        {
            throw DomainException.Invalid("sourceDomain", "must name another swarm than targetDomain");
        }

        var source = await GrainFactory.GetGrain<ISwarmGrain>(sourceSwarmId).ExportNetwork();
        return await Swarm.TransferNetwork(source, mode, agentIds);
    }

    private DaaSettingsInfo Settings()
    {
        var s = state.State;
        return new DaaSettingsInfo(Id, !s.LearningDisabled, !s.CoordinationDisabled, s.Persistence, s.Persistence != PersistenceMode.Memory, s.InitializedAt, s.Agents.Count);
    }

    private DaaAgentState Record(AgentInfo agent)
    {
        if (!state.State.Agents.TryGetValue(agent.Id, out var record))
        {
            // An agent spawned by agent_spawn joins the DAA layer with the defaults on first use.
            record = new DaaAgentState();
            record.Patterns.Add(new DaaPatternChange(agent.CreatedAt, null, agent.Pattern, "created (agent_spawn)"));
            state.State.Agents[agent.Id] = record;
        }

        return record;
    }

    private static DaaAgentInfo View(AgentInfo agent, DaaAgentState record, bool created) =>
        new(agent, record.Alias, record.LearningRate ?? DaaLimits.DefaultLearningRate, !record.MemoryDisabled, record.Estimate, created);

    private static List<string> Suggestions(IReadOnlyList<string>? suggestions)
    {
        var list = suggestions?.ToList() ?? [];
        if (list.Count > DaaLimits.MaxSuggestions)
        {
            throw DomainException.Invalid("suggestions", $"must have at most {DaaLimits.MaxSuggestions} items (got {list.Count})");
        }

        return list.Select((s, i) => Checks.Text(s, $"suggestions[{i}]", DaaLimits.MaxSuggestionLength)).ToList();
    }

    private static JsonElement KnowledgeContent(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            throw DomainException.Invalid("knowledgeContent", "is required: the knowledge to share, a JSON object");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(json) > DaaLimits.MaxKnowledgeBytes - 1024)
        {
            throw DomainException.Invalid("knowledgeContent", $"must be at most {DaaLimits.MaxKnowledgeBytes - 1024} bytes of JSON");
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw DomainException.Invalid("knowledgeContent", "must be a JSON object");
            }

            if (TextRules.JsonValueProblem(document.RootElement) is { } problem)
            {
                throw DomainException.Invalid("knowledgeContent" + problem.Path, problem.Rule);
            }

            // Keys are text a person reads (domain names, fields): the text rules apply to them too.
            if (KeyProblem(document.RootElement) is { } keyRule)
            {
                throw DomainException.Invalid("knowledgeContent", keyRule);
            }

            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw DomainException.Invalid("knowledgeContent", "is not valid JSON: " + e.Message);
        }
    }

    private static string? KeyProblem(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => value.EnumerateObject().Select(p => TextRules.TextProblem(p.Name) is { } rule ? $"keys {rule}" : KeyProblem(p.Value)).FirstOrDefault(r => r is not null),
        JsonValueKind.Array => value.EnumerateArray().Select(KeyProblem).FirstOrDefault(r => r is not null),
        _ => null,
    };

    private static void Trim<T>(List<T> list)
    {
        if (list.Count > DaaLimits.MaxHistory)
        {
            list.RemoveRange(0, list.Count - DaaLimits.MaxHistory);
        }
    }

    public async Task BindWorkflow(string workflowKey)
    {
        if (!state.State.Workflows.Contains(workflowKey))
        {
            state.State.Workflows.Add(workflowKey);
            await WriteAsync();
        }
    }

    public async Task<int> Forget(IReadOnlyList<string> agentIds)
    {
        ArgumentNullException.ThrowIfNull(agentIds);
        var agents = agentIds.Concat(state.State.Agents.Keys).Where(GrainKeys.IsAgentId).Distinct(StringComparer.Ordinal).ToList();
        var workflows = state.State.Workflows.ToList();
        await Task.WhenAll(agents.Select(a => Knowledge(a).Clear()));
        await Task.WhenAll(workflows.Select(w => GrainFactory.GetGrain<IWorkflowGrain>(w).ForgetRun(Id)));
        await state.ClearStateAsync();
        state.State = new DaaGrainState();
        logger.LogInformation("DAA {SwarmId}: forgotten with its swarm ({Agents} knowledge namespaces, {Workflows} workflow runs)", Id, agents.Count, workflows.Count);
        DeactivateOnIdle();
        return agents.Count;
    }

    /// <summary>An agent's knowledge namespace, in the swarm's tenant (its memory_usage namespace "kb:…").</summary>
    private IMemoryGrain Knowledge(string agentId) =>
        GrainFactory.GetGrain<IMemoryGrain>(GrainKeys.Memory(GrainKeys.TenantOf(Id), GrainKeys.KnowledgeNamespace(agentId)));

    private Task WriteAsync() => state.WriteOrReloadAsync(DeactivateOnIdle);
}
