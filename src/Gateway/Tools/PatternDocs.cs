using SwarmCluster.Contracts.Agents;

namespace SwarmCluster.Gateway.Tools;

/// <summary>Documentation of the cognitive patterns: fixed text, not measured, and labelled as such in results.</summary>
internal static class PatternDocs
{
    public sealed record Doc(string Pattern, CognitivePattern? Member, string Description, string SuitedFor);

    public const string Note =
        "descriptions are fixed documentation text; agent lists are read from the cluster. A pattern is a label " +
        "an agent carries (set at spawn); it feeds the routing network's features, it does not change how the client works";

    public static readonly IReadOnlyList<Doc> All =
    [
        new("convergent", CognitivePattern.Convergent,
            "Narrows many options down to one well-justified answer; favours established solutions and verification.",
            "debugging, implementation against a clear spec, optimisation with a known target"),
        new("divergent", CognitivePattern.Divergent,
            "Generates many alternatives before judging any; favours breadth over depth.",
            "research, brainstorming, design exploration"),
        new("lateral", CognitivePattern.Lateral,
            "Reframes the problem and borrows approaches from unrelated domains.",
            "stuck problems, novel designs, workarounds"),
        new("systems", CognitivePattern.Systems,
            "Reasons about components, their interactions and feedback loops as a whole.",
            "architecture, coordination, capacity planning"),
        new("critical", CognitivePattern.Critical,
            "Tests claims and looks for flaws, risks and missing evidence.",
            "review, testing, security and quality analysis"),
        new("adaptive", CognitivePattern.Adaptive,
            "Switches between the other patterns as the task's needs change.",
            "open-ended or mixed tasks, coordination of changing work"),
        new("abstract", null,
            "Listed by ruv-swarm but not a pattern here: no SwarmCluster agent can carry it, so its agent list is always empty. " +
            "The nearest patterns are 'systems' (structure) and 'lateral' (reframing).",
            "n/a"),
    ];
}
