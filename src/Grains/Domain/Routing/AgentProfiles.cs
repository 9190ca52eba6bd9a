using SwarmCluster.Contracts.Agents;

namespace SwarmCluster.Grains.Routing;

/// <summary>What each agent type is taken to be good at, and its defaults.</summary>
public static class AgentProfiles
{
    /// <summary>Words (stemmed as <see cref="TextTokens.Stem"/> does) that suggest a task suits the type.</summary>
    public static IReadOnlySet<string> Keywords(AgentType type) => TypeKeywords[type];

    /// <summary>Capabilities an agent of the type gets when spawned without any (a new list each call).</summary>
    public static List<string> DefaultCapabilities(AgentType type) => type switch
    {
        AgentType.Researcher => ["research", "analysis"],
        AgentType.Coder => ["coding", "implementation"],
        AgentType.Analyst => ["analysis", "data"],
        AgentType.Optimizer => ["optimization", "performance"],
        AgentType.Coordinator => ["coordination", "planning"],
        AgentType.Tester => ["testing", "validation"],
        AgentType.Reviewer => ["review", "quality"],
        AgentType.Documenter => ["documentation", "writing"],
        _ => [],
    };

    /// <summary>
    /// The type whose default capabilities cover most of the given ones (ties: the first type in declaration
    /// order); Coordinator when none match. Used when a swarm spawns an agent for capabilities nobody has.
    /// </summary>
    public static AgentType TypeFor(IReadOnlyList<string> capabilities)
    {
        var best = AgentType.Coordinator;
        var bestHits = 0;
        foreach (var type in Enum.GetValues<AgentType>())
        {
            var defaults = DefaultCapabilities(type);
            var hits = capabilities.Count(c => defaults.Contains(c, StringComparer.OrdinalIgnoreCase));
            if (hits > bestHits)
            {
                best = type;
                bestHits = hits;
            }
        }

        return best;
    }

    /// <summary>
    /// Default thinking style by type: researchers diverge (explore widely), coders and documenters converge
    /// on one working result, analysts, testers and reviewers look critically for faults, optimizers and
    /// coordinators think in systems (the whole pipeline / team).
    /// </summary>
    public static CognitivePattern DefaultPattern(AgentType type) => type switch
    {
        AgentType.Researcher => CognitivePattern.Divergent,
        AgentType.Coder => CognitivePattern.Convergent,
        AgentType.Analyst => CognitivePattern.Critical,
        AgentType.Optimizer => CognitivePattern.Systems,
        AgentType.Coordinator => CognitivePattern.Systems,
        AgentType.Tester => CognitivePattern.Critical,
        AgentType.Reviewer => CognitivePattern.Critical,
        AgentType.Documenter => CognitivePattern.Convergent,
        _ => CognitivePattern.Adaptive,
    };

    private static readonly Dictionary<AgentType, IReadOnlySet<string>> TypeKeywords = new()
    {
        [AgentType.Researcher] = Stems("research", "investigate", "explore", "survey", "study", "compare", "discover", "find", "evaluate", "literature"),
        [AgentType.Coder] = Stems("code", "coding", "implement", "implementation", "build", "develop", "program", "fix", "bug", "refactor", "api", "function", "feature", "endpoint", "integrate"),
        [AgentType.Analyst] = Stems("analyze", "analyse", "analysis", "data", "metrics", "statistics", "report", "insight", "trend", "dataset"),
        [AgentType.Optimizer] = Stems("optimize", "optimise", "optimization", "performance", "speed", "latency", "throughput", "memory", "profile", "tune", "benchmark", "faster"),
        [AgentType.Coordinator] = Stems("coordinate", "coordination", "plan", "planning", "organize", "manage", "schedule", "orchestrate", "roadmap"),
        [AgentType.Tester] = Stems("test", "testing", "qa", "verify", "validate", "validation", "coverage", "unit", "integration", "regression"),
        [AgentType.Reviewer] = Stems("review", "audit", "inspect", "critique", "assess", "quality", "security"),
        [AgentType.Documenter] = Stems("document", "documentation", "docs", "readme", "guide", "tutorial", "explain", "manual", "write"),
    };

    private static IReadOnlySet<string> Stems(params string[] words) => TextTokens.StemSet(words);
}
