using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Queen;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Queen;

/// <summary>
/// The Queen's planner: fixed keyword rules, no randomness and no clock, so the same objective (and limits)
/// always gives the same plan. Every rule that fires adds one line to the rationale ("rule: why").
/// <list type="number">
/// <item>Work areas: keyword groups (research, analysis, implementation, testing, review, optimization,
/// documentation, coordination) matched on stemmed words, ordered by first mention. None matched: research +
/// implementation.</item>
/// <item>Pipeline: words such as then/after/pipeline/stages/phase/finally mark a sequential objective.</item>
/// <item>Complexity points = work areas + length (≥ 15 words +1, ≥ 40 words +2) + scale words
/// (complex, distributed, enterprise …) +1 + pipeline +1; low ≤ 2, medium 3–4, high ≥ 5.</item>
/// <item>Agents: one per work area; medium adds one more agent to the lead area (implementation if present,
/// else the first area), high adds two; five or more agents without a coordinator get one.</item>
/// <item>maxAgents: as given (1..100) or max(5, planned); a larger team is trimmed keeping the coordinator,
/// then one agent per area, then extras.</item>
/// <item>Topology (unless given): pipeline → ring; ≤ 3 agents → star; coordinator or ≥ 4 areas →
/// hierarchical; ≥ 3 peers of one type → mesh; otherwise mesh.</item>
/// <item>Strategy: high complexity → adaptive; ≥ 3 agent types → specialized; otherwise balanced.</item>
/// <item>Tasks: one per work area. Priority: critical/urgent/asap/hotfix/outage/emergency → critical,
/// important/security/production/deadline/priority → high, else medium; review and documentation one level
/// lower. Strategy: pipeline → sequential, an area with several agents → parallel, else adaptive.</item>
/// </list>
/// </summary>
public static class ObjectivePlanner
{
    public const int MaxObjectiveLength = 4000;
    public const int DefaultMaxAgents = 5;
    public const int MaxAgentsLimit = 100;
    private const int TaskObjectiveChars = 300;

    private sealed record WorkArea(string Name, AgentType Type, string Verb, IReadOnlySet<string> Keywords);

    private static readonly WorkArea[] Areas =
    [
        new("research", AgentType.Researcher, "Research", Stems("research", "investigate", "explore", "survey", "study", "compare", "discover", "evaluate")),
        new("analysis", AgentType.Analyst, "Analyze", Stems("analyze", "analyse", "analysis", "data", "metrics", "statistics", "insight", "trend", "dataset", "report")),
        new("implementation", AgentType.Coder, "Implement", Stems("code", "implement", "build", "develop", "program", "fix", "refactor", "api", "feature", "endpoint", "integrate", "create", "app", "application", "service")),
        new("testing", AgentType.Tester, "Test", Stems("test", "qa", "verify", "validate", "coverage", "regression")),
        new("review", AgentType.Reviewer, "Review", Stems("review", "audit", "inspect", "critique", "assess", "security")),
        new("optimization", AgentType.Optimizer, "Optimize", Stems("optimize", "optimise", "performance", "speed", "latency", "throughput", "benchmark", "profile", "tune", "scale", "faster")),
        new("documentation", AgentType.Documenter, "Document", Stems("document", "documentation", "docs", "readme", "guide", "tutorial", "explain", "manual")),
        new("coordination", AgentType.Coordinator, "Coordinate", Stems("coordinate", "plan", "organize", "manage", "orchestrate", "roadmap", "team", "lead")),
    ];

    private static readonly IReadOnlySet<string> PipelineWords = Stems("then", "after", "afterwards", "pipeline", "stage", "stages", "phase", "phases", "sequence", "sequential", "sequentially", "finally", "next", "followed", "step", "steps");
    private static readonly IReadOnlySet<string> ScaleWords = Stems("complex", "large", "enterprise", "distributed", "scalable", "microservice", "microservices", "platform", "architecture", "multiple");
    private static readonly IReadOnlySet<string> CriticalWords = Stems("critical", "urgent", "asap", "hotfix", "outage", "emergency");
    private static readonly IReadOnlySet<string> HighWords = Stems("important", "security", "production", "deadline", "priority");

    public static SwarmPlan Plan(string objective, int? maxAgents = null, SwarmTopology? topology = null)
    {
        var text = Validate(objective, maxAgents, topology);
        var rationale = new List<string>();
        var words = TextTokens.Words(text);
        var stems = words.Select(TextTokens.Stem).ToList();

        // 1. Work areas, in order of first mention.
        var areas = new List<WorkArea>();
        foreach (var (area, position) in Areas
                     .Select(a => (Area: a, Position: stems.FindIndex(a.Keywords.Contains)))
                     .Where(x => x.Position >= 0)
                     .OrderBy(x => x.Position))
        {
            areas.Add(area);
            rationale.Add($"area:{area.Name} ← {Quote(Matches(words, stems, area.Keywords))}");
        }

        if (areas.Count == 0)
        {
            areas.Add(Areas.Single(a => a.Name == "research"));
            areas.Add(Areas.Single(a => a.Name == "implementation"));
            rationale.Add("area:default ← no work-area keyword matched: research + implementation");
        }

        // 2. Pipeline.
        var pipelineMatches = Matches(words, stems, PipelineWords);
        var pipeline = pipelineMatches.Count > 0;
        if (pipeline)
        {
            rationale.Add($"pipeline ← {Quote(pipelineMatches)}: work proceeds in stages");
        }

        // 3. Complexity.
        var lengthPoints = words.Count >= 40 ? 2 : words.Count >= 15 ? 1 : 0;
        var scaleMatches = Matches(words, stems, ScaleWords);
        var points = areas.Count + lengthPoints + (scaleMatches.Count > 0 ? 1 : 0) + (pipeline ? 1 : 0);
        var complexity = points <= 2 ? "low" : points <= 4 ? "medium" : "high";
        rationale.Add($"complexity:{complexity} ← {points} points = {areas.Count} work area(s) + {lengthPoints} for {words.Count} words"
                      + (scaleMatches.Count > 0 ? $" + 1 for {Quote(scaleMatches)}" : "")
                      + (pipeline ? " + 1 for pipeline" : ""));

        // 4. Agents: primaries per area, extras on the lead area, a coordinator for big teams.
        var primaries = areas.Select(a => a.Type).ToList();
        var lead = areas.FirstOrDefault(a => a.Type == AgentType.Coder) ?? areas[0];
        var extraCount = complexity switch { "medium" => 1, "high" => 2, _ => 0 };
        var extras = Enumerable.Repeat(lead.Type, extraCount).ToList();
        if (extraCount > 0)
        {
            rationale.Add($"agents:extra ← {complexity} complexity adds {extraCount} {lead.Type.ToString().ToLowerInvariant()} agent(s) to the lead area '{lead.Name}'");
        }

        var coordinator = new List<AgentType>();
        if (primaries.Count + extras.Count >= 5 && !primaries.Contains(AgentType.Coordinator))
        {
            coordinator.Add(AgentType.Coordinator);
            rationale.Add($"agents:coordinator ← {primaries.Count + extras.Count} agents need a coordinator");
        }

        var planned = coordinator.Concat(primaries).Concat(extras).ToList();

        // 5. maxAgents and trimming.
        int limit;
        if (maxAgents is { } requested)
        {
            limit = requested;
            rationale.Add($"maxAgents:{limit} ← given by caller");
        }
        else
        {
            limit = Math.Min(MaxAgentsLimit, Math.Max(DefaultMaxAgents, planned.Count));
            rationale.Add($"maxAgents:{limit} ← default max({DefaultMaxAgents}, {planned.Count} planned agents)");
        }

        if (planned.Count > limit)
        {
            rationale.Add($"agents:trim ← {planned.Count} planned agents exceed maxAgents {limit}; kept coordinator, one per area, then extras");
            planned = planned.Take(limit).ToList();
        }

        var agents = Name(planned);
        rationale.Add($"agents:{agents.Count} ← {string.Join(", ", agents.Select(a => a.Name))}");

        // 6. Topology.
        SwarmTopology chosenTopology;
        var typeCounts = planned.GroupBy(t => t).Select(g => g.Count()).DefaultIfEmpty(0).Max();
        if (topology is { } given)
        {
            chosenTopology = given;
            rationale.Add($"topology:{Lower(given)} ← given by caller");
        }
        else if (pipeline)
        {
            chosenTopology = SwarmTopology.Ring;
            rationale.Add("topology:ring ← pipeline objective: each stage hands its work to the next");
        }
        else if (planned.Count <= 3)
        {
            chosenTopology = SwarmTopology.Star;
            rationale.Add($"topology:star ← {planned.Count} agent(s): one hub suffices");
        }
        else if (planned.Contains(AgentType.Coordinator) || areas.Count >= 4)
        {
            chosenTopology = SwarmTopology.Hierarchical;
            rationale.Add(planned.Contains(AgentType.Coordinator)
                ? "topology:hierarchical ← a coordinator leads the team"
                : $"topology:hierarchical ← {areas.Count} work areas need layered coordination");
        }
        else if (typeCounts >= 3)
        {
            chosenTopology = SwarmTopology.Mesh;
            rationale.Add($"topology:mesh ← {typeCounts} peers of the same type work side by side");
        }
        else
        {
            chosenTopology = SwarmTopology.Mesh;
            rationale.Add("topology:mesh ← default: peers collaborate directly");
        }

        // 7. Strategy.
        DistributionStrategy strategy;
        var distinctTypes = planned.Distinct().Count();
        if (complexity == "high")
        {
            strategy = DistributionStrategy.Adaptive;
            rationale.Add("strategy:adaptive ← high complexity: routing adapts as outcomes come in");
        }
        else if (distinctTypes >= 3)
        {
            strategy = DistributionStrategy.Specialized;
            rationale.Add($"strategy:specialized ← {distinctTypes} agent types: route each task to its specialist");
        }
        else
        {
            strategy = DistributionStrategy.Balanced;
            rationale.Add($"strategy:balanced ← {distinctTypes} agent type(s): spread the load");
        }

        // 8. Tasks, one per work area.
        var basePriority = Matches(words, stems, CriticalWords) is { Count: > 0 } critical
            ? (TaskPriority.Critical, $"{Quote(critical)} → critical")
            : Matches(words, stems, HighWords) is { Count: > 0 } high
                ? (TaskPriority.High, $"{Quote(high)} → high")
                : (TaskPriority.Medium, "no urgency words → medium");
        rationale.Add($"priority:{Lower(basePriority.Item1)} ← {basePriority.Item2}; review and documentation one level lower");

        var objectiveForTasks = text.Length <= TaskObjectiveChars ? text : text[..TaskObjectiveChars].TrimEnd() + "…";
        var tasks = new List<PlannedTask>();
        foreach (var area in areas)
        {
            var priority = area.Type is AgentType.Reviewer or AgentType.Documenter && basePriority.Item1 > TaskPriority.Low
                ? basePriority.Item1 - 1
                : basePriority.Item1;
            var taskStrategy = pipeline
                ? ExecutionStrategy.Sequential
                : planned.Count(t => t == area.Type) >= 2 ? ExecutionStrategy.Parallel : ExecutionStrategy.Adaptive;
            tasks.Add(new PlannedTask($"{area.Verb}: {objectiveForTasks}", priority, taskStrategy, area.Type));
        }

        rationale.Add($"tasks:{tasks.Count} ← one per work area ({string.Join(", ", areas.Select(a => a.Name))})"
                      + (pipeline ? ", sequential" : ""));

        return new SwarmPlan(text, chosenTopology, strategy, limit, complexity, agents, tasks, rationale);
    }

    private static string Validate(string objective, int? maxAgents, SwarmTopology? topology)
    {
        if (string.IsNullOrWhiteSpace(objective))
        {
            throw DomainException.Invalid("objective", "must not be empty");
        }

        var text = objective.Trim();
        if (text.Length > MaxObjectiveLength)
        {
            throw DomainException.Invalid("objective", $"must be at most {MaxObjectiveLength} characters (got {text.Length})");
        }

        if (maxAgents is < 1 or > MaxAgentsLimit)
        {
            throw DomainException.Invalid("maxAgents", $"must be between 1 and {MaxAgentsLimit} (got {maxAgents})");
        }

        if (topology is { } t && !Enum.IsDefined(t))
        {
            throw DomainException.Invalid("topology", $"unknown topology {(int)t}");
        }

        return text;
    }

    private static List<PlannedAgent> Name(List<AgentType> types)
    {
        var seen = new Dictionary<AgentType, int>();
        var agents = new List<PlannedAgent>();
        foreach (var type in types)
        {
            seen[type] = seen.GetValueOrDefault(type) + 1;
            agents.Add(new PlannedAgent(type, $"{Lower(type)}-{seen[type]}", AgentProfiles.DefaultCapabilities(type), AgentProfiles.DefaultPattern(type)));
        }

        return agents;
    }

    /// <summary>The original words whose stems are in the set, distinct, in order of appearance.</summary>
    private static List<string> Matches(List<string> words, List<string> stems, IReadOnlySet<string> keywords) =>
        words.Where((_, i) => keywords.Contains(stems[i])).Distinct(StringComparer.Ordinal).ToList();

    private static string Quote(IEnumerable<string> words) => string.Join(", ", words.Select(w => $"'{w}'"));

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static IReadOnlySet<string> Stems(params string[] words) => TextTokens.StemSet(words);
}
