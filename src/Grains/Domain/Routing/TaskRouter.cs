using System.Globalization;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Routing;

/// <summary>An agent as the router sees it: what it can do and how much it already has.</summary>
public sealed record RoutingCandidate(string AgentId, int Slot, AgentType Type, IReadOnlyList<string> Capabilities, int ActiveTasks);

/// <summary>
/// Ranks a swarm's agents for a task. Every agent gets
/// <c>score = wq * quality + wa * availability</c>, where
/// <list type="bullet">
/// <item>availability = 1 / (1 + open tasks): idle 1, one task 0.5, two 0.33 …;</item>
/// <item>quality = the network's output for the agent's slot once the network is trained
/// (<see cref="RoutingMethod.Network"/>), else the capability match (<see cref="RoutingMethod.CapabilityMatch"/>):
/// 1 - 1 / (1 + capability hits + 0.5 × type-keyword hits) over the task's stemmed words;</item>
/// <item>weights by strategy: balanced wq 0.3 / wa 0.7 (an idle agent always outranks a busy one),
/// specialized 0.8 / 0.2 (the best match even if busy), adaptive 0.5 / 0.5.</item>
/// </list>
/// Agents lacking a required capability are not candidates. Ties go to the lower slot (older agent), so
/// routing is deterministic.
/// </summary>
public static class TaskRouter
{
    public static (double Quality, double Availability) Weights(DistributionStrategy strategy) => strategy switch
    {
        DistributionStrategy.Balanced => (0.3, 0.7),
        DistributionStrategy.Specialized => (0.8, 0.2),
        _ => (0.5, 0.5),
    };

    public static double Availability(int activeTasks) => 1.0 / (1 + Math.Max(0, activeTasks));

    public static double CapabilityMatch(IReadOnlySet<string> taskStems, AgentType type, IReadOnlyList<string> capabilities)
    {
        var capabilityStems = TextTokens.StemSet(capabilities.SelectMany(TextTokens.Words));
        var capabilityHits = 0;
        var typeHits = 0;
        foreach (var stem in taskStems)
        {
            if (capabilityStems.Contains(stem))
            {
                capabilityHits++;
            }
            else if (AgentProfiles.Keywords(type).Contains(stem))
            {
                typeHits++;
            }
        }

        return 1.0 - 1.0 / (1 + capabilityHits + 0.5 * typeHits);
    }

    public static bool HasCapabilities(IReadOnlyList<string> capabilities, IReadOnlyList<string>? required)
    {
        if (required is null || required.Count == 0)
        {
            return true;
        }

        var capabilityStems = TextTokens.StemSet(capabilities.SelectMany(TextTokens.Words));
        return required.All(r => TextTokens.Words(r).All(w => capabilityStems.Contains(TextTokens.Stem(w))));
    }

    /// <param name="networkScores">The network's outputs for the task (indexed by slot), or null to route by capability.</param>
    /// <param name="count">How many agents to pick (fewer if fewer are eligible).</param>
    public static (RoutingDecision Decision, IReadOnlyList<string> Chosen) Route(
        TaskSpec spec, DistributionStrategy strategy, IReadOnlyList<RoutingCandidate> agents, float[]? networkScores, int count, string? networkNote = null)
    {
        var taskStems = TextTokens.StemSet(TextTokens.Words(spec.Description));
        var (wq, wa) = Weights(strategy);
        var eligible = agents.Where(a => HasCapabilities(a.Capabilities, spec.RequiredCapabilities)).ToList();
        var method = networkScores is null ? RoutingMethod.CapabilityMatch : RoutingMethod.Network;

        var ranking = eligible
            .Select(a =>
            {
                var match = CapabilityMatch(taskStems, a.Type, a.Capabilities);
                double? network = networkScores is not null && a.Slot < networkScores.Length ? networkScores[a.Slot] : null;
                var quality = method == RoutingMethod.Network ? network ?? 0 : match;
                var score = wq * quality + wa * Availability(a.ActiveTasks);
                return (Candidate: a, Score: new AgentScore(a.AgentId, Math.Round(score, 6), Math.Round(match, 6), network, a.ActiveTasks == 0));
            })
            .OrderByDescending(x => x.Score.Score)
            .ThenBy(x => x.Candidate.Slot)
            .ToList();

        var chosen = ranking.Take(Math.Max(0, count)).Select(x => x.Candidate.AgentId).ToList();
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"{(method == RoutingMethod.Network ? "network scores" + (networkNote is null ? "" : $" ({networkNote})") : "capability match (network not trained yet)")}; " +
            $"strategy {strategy.ToString().ToLowerInvariant()}: score = {wq:0.##} x {(method == RoutingMethod.Network ? "network" : "capability")} + {wa:0.##} x availability; " +
            $"{eligible.Count} of {agents.Count} agents eligible");
        if (spec.RequiredCapabilities is { Count: > 0 } required)
        {
            reason += $" (required: {string.Join(", ", required)})";
        }

        reason += chosen.Count == 0
            ? "; no agent chosen"
            : $"; chose {string.Join(", ", ranking.Take(chosen.Count).Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Candidate.AgentId} ({x.Score.Score:0.###})")))}";

        return (new RoutingDecision(method, reason, ranking.Select(x => x.Score).ToList()), chosen);
    }
}
