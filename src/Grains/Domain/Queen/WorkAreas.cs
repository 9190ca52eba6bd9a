using SwarmCluster.Contracts.Agents;
using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Queen;

/// <summary>
/// A kind of work: the agent type that does it, its place in the default phase order (null: outside it) and
/// the words (stemmed as <see cref="TextTokens.Stem"/> does) that name it in a clause without a work verb.
/// </summary>
internal sealed record WorkArea(string Name, AgentType Type, int? Phase, IReadOnlySet<string> Keywords);

/// <summary>
/// How a clause was typed: its area, the evidence quoted in the rationale, whether there was any evidence
/// (a work verb or keyword, or a generic verb that is not vague) and whether the area is only a default.
/// </summary>
internal sealed record AreaReading(WorkArea Area, string Evidence, bool Signal, bool Defaulted = false);

internal static class WorkAreas
{
    public static readonly WorkArea Research = new("research", AgentType.Researcher, 0, Stems(
        "research", "investigate", "investigation", "explore", "survey", "study", "compare", "comparison", "discover",
        "evaluate", "evaluation", "alternatives", "options", "feasibility", "spike", "literature"));

    public static readonly WorkArea Analysis = new("analysis", AgentType.Analyst, 0, Stems(
        "analyze", "analyse", "analysis", "data", "metrics", "statistics", "stats", "insight", "insights", "trend",
        "trends", "dataset", "report", "kpi", "kpis", "funnel", "cohort", "churn"));

    // No architect type exists: the analyst models the system before it is built.
    public static readonly WorkArea Design = new("design", AgentType.Analyst, 1, Stems(
        "design", "redesign", "architecture", "schema", "diagram", "spec", "specification", "rfc", "mockup",
        "mockups", "wireframe", "wireframes", "prototype", "adr"));

    public static readonly WorkArea Implementation = new("implementation", AgentType.Coder, 2, Stems(
        "code", "implement", "implementation", "build", "develop", "program", "fix", "bug", "refactor", "api",
        "feature", "endpoint", "integrate", "app", "application", "service", "migration", "script", "deploy",
        "deployment", "library", "module", "component", "cli", "ui", "frontend", "backend", "function"));

    public static readonly WorkArea Testing = new("testing", AgentType.Tester, 3, Stems(
        "test", "tests", "testing", "qa", "verify", "verification", "validate", "validation", "coverage",
        "regression", "e2e"));

    public static readonly WorkArea Optimization = new("optimization", AgentType.Optimizer, 3, Stems(
        "optimize", "optimise", "optimization", "performance", "speed", "latency", "throughput", "benchmark",
        "benchmarks", "profile", "profiling", "tune", "tuning", "faster", "slow", "memory", "cpu", "p99", "p95"));

    public static readonly WorkArea Review = new("review", AgentType.Reviewer, 4, Stems(
        "review", "audit", "inspect", "inspection", "critique", "assess", "assessment"));

    public static readonly WorkArea Documentation = new("documentation", AgentType.Documenter, 5, Stems(
        "document", "documentation", "docs", "readme", "guide", "tutorial", "explain", "manual", "changelog",
        "wiki", "faq", "runbook", "handbook", "blog", "article", "howto", "docstrings", "postmortem", "reference"));

    public static readonly WorkArea Coordination = new("coordination", AgentType.Coordinator, null, Stems(
        "coordinate", "coordination", "orchestrate", "roadmap", "planning", "milestone", "milestones", "sprint",
        "standup", "stakeholders", "kickoff", "retrospective"));

    /// <summary>Every area, in the order used to break ties.</summary>
    public static readonly IReadOnlyList<WorkArea> All =
        [Research, Analysis, Design, Implementation, Testing, Optimization, Review, Documentation, Coordination];

    /// <summary>Head nouns that name a deliverable of an area ("with tests and docs", "after the review").</summary>
    public static readonly IReadOnlyDictionary<string, WorkArea> DeliverableNouns = BuildDeliverableNouns();

    /// <summary>
    /// Reads the area of one clause: its leading work verb when it has one that names an area; otherwise the
    /// first area keyword in the clause (after a generic verb such as add/write/run); otherwise the generic
    /// verb's default area; otherwise implementation.
    /// </summary>
    public static AreaReading Classify(string clause)
    {
        var words = ClauseWords.Lower(clause);
        var start = ClauseWords.SkipFillers(words, 0);
        var verb = WorkVerbs.Imperative(words, start);
        if (verb is { Verb.Area: { } area })
        {
            return new AreaReading(area, $"verb '{string.Join(' ', words.Skip(start).Take(verb.Value.Words))}'", true);
        }

        // Compound nouns whose modifier decides ("design doc" is design, "release notes" documentation).
        var from = verb is null ? 0 : start + verb.Value.Words;
        for (var i = from; i + 1 < words.Count; i++)
        {
            if (Compounds.TryGetValue(words[i] + " " + TextTokens.Stem(words[i + 1]), out var compound))
            {
                return new AreaReading(compound, $"keyword '{words[i]} {words[i + 1]}'", true);
            }
        }

        // Keywords: first those that head a noun phrase ("a report on churn"), then any other word, except
        // words that mostly qualify another noun ("the reports page", "the audit log").
        foreach (var headsOnly in (ReadOnlySpan<bool>)[true, false])
        {
            for (var i = from; i < words.Count; i++)
            {
                var stem = TextTokens.Stem(words[i]);
                var isHead = i + 1 == words.Count || HeadFollowers.Contains(words[i + 1]);
                if (headsOnly && !isHead)
                {
                    continue;
                }

                foreach (var candidate in All)
                {
                    if (candidate.Keywords.Contains(stem) && (isHead || !HeadOnly.Contains(stem)))
                    {
                        return new AreaReading(candidate, $"keyword '{words[i]}'", true);
                    }
                }
            }
        }

        if (verb is { } generic)
        {
            var text = string.Join(' ', words.Skip(start).Take(generic.Words));
            return new AreaReading(generic.Verb.Default, $"verb '{text}', no keyword: default", !generic.Verb.Weak, true);
        }

        return new AreaReading(Implementation, "no work verb or keyword: default", false, true);
    }

    private static readonly Dictionary<string, WorkArea> Compounds = new(StringComparer.Ordinal)
    {
        ["design " + TextTokens.Stem("doc")] = Design, ["design " + TextTokens.Stem("document")] = Design,
        ["design " + TextTokens.Stem("docs")] = Design, ["architecture " + TextTokens.Stem("doc")] = Design,
        ["release " + TextTokens.Stem("notes")] = Documentation, ["migration " + TextTokens.Stem("guide")] = Documentation,
        ["test " + TextTokens.Stem("plan")] = Testing, ["load " + TextTokens.Stem("test")] = Testing,
        ["code " + TextTokens.Stem("review")] = Review, ["root " + TextTokens.Stem("cause")] = Research,
        ["user " + TextTokens.Stem("guide")] = Documentation, ["security " + TextTokens.Stem("review")] = Review,
        ["postmortem " + TextTokens.Stem("doc")] = Documentation,
    };

    /// <summary>Words after which the previous word ends a noun phrase (prepositions, conjunctions, relatives).</summary>
    private static readonly HashSet<string> HeadFollowers = new(StringComparer.Ordinal)
    {
        "for", "on", "of", "to", "in", "with", "that", "which", "from", "by", "about", "at", "into", "and", "or",
        "so", "when", "where", "while", "per", "across", "over", "under", "using", "via", "before", "after",
        "once", "until", "is", "are", "as", "than", "who", "then",
    };

    /// <summary>Keywords that count only as the head of a noun phrase: as a modifier they name a thing, not work.</summary>
    private static readonly IReadOnlySet<string> HeadOnly = Stems(
        "data", "report", "reports", "metrics", "stats", "statistics", "dataset", "kpi", "kpis", "insight", "insights",
        "review", "audit", "inspect", "assess", "planning", "service", "app",
        "application", "feature", "api", "function", "component", "module", "profile", "reference");

    /// <summary>The verb a deliverable noun names the work of ("migration" → migrate), for matching references.</summary>
    public static readonly IReadOnlyDictionary<string, string> NounVerbs = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [TextTokens.Stem("migration")] = "migrate", [TextTokens.Stem("deployment")] = "deploy",
        [TextTokens.Stem("implementation")] = "implement", [TextTokens.Stem("investigation")] = "investigate",
        [TextTokens.Stem("analysis")] = "analyze", [TextTokens.Stem("documentation")] = "document",
        [TextTokens.Stem("docs")] = "document", [TextTokens.Stem("refactoring")] = "refactor",
        [TextTokens.Stem("refactor")] = "refactor", [TextTokens.Stem("tests")] = "test", [TextTokens.Stem("testing")] = "test",
        [TextTokens.Stem("benchmarks")] = "benchmark", [TextTokens.Stem("review")] = "review",
        [TextTokens.Stem("audit")] = "audit", [TextTokens.Stem("rollout")] = "roll out", [TextTokens.Stem("release")] = "release",
        [TextTokens.Stem("fix")] = "fix", [TextTokens.Stem("design")] = "design", [TextTokens.Stem("research")] = "research",
        [TextTokens.Stem("spec")] = "specify", [TextTokens.Stem("specification")] = "specify",
        [TextTokens.Stem("comparison")] = "compare", [TextTokens.Stem("evaluation")] = "evaluate",
        [TextTokens.Stem("benchmark")] = "benchmark", [TextTokens.Stem("survey")] = "survey",
        [TextTokens.Stem("measurement")] = "measure", [TextTokens.Stem("prototype")] = "prototype",
    };

    private static Dictionary<string, WorkArea> BuildDeliverableNouns()
    {
        var nouns = new Dictionary<string, WorkArea>(StringComparer.Ordinal);
        void Add(WorkArea area, params string[] words)
        {
            foreach (var word in words)
            {
                nouns[TextTokens.Stem(word)] = area;
            }
        }

        Add(Testing, "test", "tests", "testing", "coverage", "e2e");
        Add(Optimization, "benchmark", "benchmarks", "profiling");
        Add(Documentation, "doc", "docs", "documentation", "readme", "guide", "guides", "tutorial", "tutorials",
            "changelog", "runbook", "example", "examples", "docstrings");
        Add(Review, "review", "reviews", "audit", "audits");
        Add(Research, "research", "investigation", "spike");
        Add(Design, "design", "schema", "spec", "specification", "rfc");
        Add(Analysis, "analysis");
        Add(Implementation, "implementation", "migration", "refactor", "refactoring", "fix", "rollout", "release",
            "launch", "deployment");
        return nouns;
    }

    private static IReadOnlySet<string> Stems(params string[] words) => TextTokens.StemSet(words);
}
