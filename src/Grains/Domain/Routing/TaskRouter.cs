using System.Globalization;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Routing;

/// <summary>An agent as the router sees it: what it can do, how much it has open and how much it has finished.</summary>
/// <param name="FinishedTasks">Tasks the agent finished (completed or failed); the exploration bonus decays with it.</param>
public sealed record RoutingCandidate(string AgentId, int Slot, AgentType Type, IReadOnlyList<string> Capabilities, int ActiveTasks, long FinishedTasks = 0);

/// <summary>
/// Ranks a swarm's agents for a task. Every eligible agent gets
/// <c>total = wm × (merit + exploration) + wa × availability</c>, where
/// <list type="bullet">
/// <item>merit = capability match until the network has been trained on outcomes
/// (<see cref="RoutingMethod.CapabilityMatch"/>); after that
/// <see cref="TrainedCapabilityWeight"/> × capability match + <see cref="TrainedNetworkWeight"/> × the network's
/// output for the agent's slot (<see cref="RoutingMethod.Network"/>; the output is the predicted success of that
/// agent on this task);</item>
/// <item>capability match = 1 - 1 / (1 + capability hits + 0.5 × type-keyword hits) over the task's stemmed words;</item>
/// <item>exploration = <see cref="ExplorationConstant"/> / sqrt(1 + finished tasks): a new agent gets 0.5, one with
/// 3 finished tasks 0.25, with 99 0.05, so a trained network does not starve agents it knows little about. c is
/// sized so that a brand-new agent (network score a neutral 0.5) outranks an incumbent the network is sure of
/// (0.95, 20 tasks): 0.7 × 0.5 + c &gt; 0.7 × 0.95 + c / sqrt(21) needs c &gt; 0.41;</item>
/// <item>availability = 1 / (1 + open tasks): idle 1, one task 0.5, two 0.33 …;</item>
/// <item>wm / wa by strategy: balanced 0.3 / 0.7 (an idle agent always outranks a busy one), specialized 0.8 / 0.2
/// (the best agent even if busy), adaptive 0.5 / 0.5.</item>
/// </list>
/// Agents lacking a required capability are not candidates. Totals are rounded to 6 decimals and ties go to the
/// lower slot (older agent), so routing is deterministic.
/// </summary>
public static class TaskRouter
{
    public const double TrainedCapabilityWeight = 0.3;
    public const double TrainedNetworkWeight = 0.7;
    public const double ExplorationConstant = 0.5;

    public static (double Merit, double Availability) Weights(DistributionStrategy strategy) => strategy switch
    {
        DistributionStrategy.Balanced => (0.3, 0.7),
        DistributionStrategy.Specialized => (0.8, 0.2),
        _ => (0.5, 0.5),
    };

    public static RoutingWeights WeightsFor(DistributionStrategy strategy, bool networkTrained, double exploration = ExplorationConstant)
    {
        var (merit, availability) = Weights(strategy);
        return networkTrained
            ? new RoutingWeights(TrainedCapabilityWeight, TrainedNetworkWeight, exploration, merit, availability)
            : new RoutingWeights(1, 0, exploration, merit, availability);
    }

    public static double Availability(int activeTasks) => 1.0 / (1 + Math.Max(0, activeTasks));

    public static double Exploration(long finishedTasks, double constant = ExplorationConstant) => constant / Math.Sqrt(1 + Math.Max(0, finishedTasks));

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

    /// <param name="networkScores">
    /// The network's outputs for the task (indexed by slot) once it has been trained on outcomes, else null to
    /// route by capability (see RoutingNetwork.RoutingScores).
    /// </param>
    /// <param name="count">How many agents to pick (fewer if fewer are eligible).</param>
    /// <param name="exploration">c of the exploration bonus (0 turns exploration off).</param>
    public static (RoutingDecision Decision, IReadOnlyList<string> Chosen) Route(
        TaskText task, DistributionStrategy strategy, IReadOnlyList<RoutingCandidate> agents, float[]? networkScores, int count,
        string? networkNote = null, double exploration = ExplorationConstant)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(agents);
        if (!double.IsFinite(exploration) || exploration < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(exploration), exploration, "The exploration constant must be finite and at least 0.");
        }

        var taskStems = TextTokens.StemSet(TextTokens.Words(task.Description));
        var trained = networkScores is not null;
        var weights = WeightsFor(strategy, trained, exploration);
        var eligible = agents.Where(a => HasCapabilities(a.Capabilities, task.RequiredCapabilities)).ToList();

        var ranking = eligible
            .Select(a =>
            {
                var match = CapabilityMatch(taskStems, a.Type, a.Capabilities);
                double? network = trained && a.Slot >= 0 && a.Slot < networkScores!.Length ? networkScores[a.Slot] : null;
                var merit = weights.Capability * match + weights.Network * (network ?? 0);
                var bonus = Exploration(a.FinishedTasks, exploration);
                var availability = Availability(a.ActiveTasks);
                var total = weights.Merit * (merit + bonus) + weights.Availability * availability;
                var score = new AgentScore(a.AgentId, Math.Round(total, 6), Math.Round(match, 6), network, a.ActiveTasks == 0,
                    Math.Round(bonus, 6), Math.Round(availability, 6), Math.Max(0, a.FinishedTasks), Math.Round(merit, 6));
                return (Candidate: a, Score: score);
            })
            .OrderByDescending(x => x.Score.Score)
            .ThenBy(x => x.Candidate.Slot)
            .ToList();

        var chosen = ranking.Take(Math.Max(0, count)).Select(x => x.Candidate.AgentId).ToList();
        var method = trained ? RoutingMethod.Network : RoutingMethod.CapabilityMatch;
        var merit = trained
            ? string.Create(CultureInfo.InvariantCulture, $"{weights.Capability:0.##} x capability + {weights.Network:0.##} x network")
            : "capability";
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"{(trained ? "capability and network scores" + (networkNote is null ? "" : $" ({networkNote})") : "capability match (network not trained on outcomes yet)")}; " +
            $"strategy {strategy.ToString().ToLowerInvariant()}: score = {weights.Merit:0.##} x ({merit} + exploration {weights.Exploration:0.##}/sqrt(1 + finished tasks)) + {weights.Availability:0.##} x availability; " +
            $"{eligible.Count} of {agents.Count} agents eligible");
        if (task.RequiredCapabilities.Count > 0)
        {
            reason += $" (required: {string.Join(", ", task.RequiredCapabilities)})";
        }

        reason += chosen.Count == 0
            ? "; no agent chosen"
            : $"; chose {string.Join(", ", ranking.Take(chosen.Count).Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Candidate.AgentId} ({x.Score.Score:0.###})")))}";

        return (new RoutingDecision(method, reason, ranking.Select(x => x.Score).ToList(), weights), chosen);
    }
}
