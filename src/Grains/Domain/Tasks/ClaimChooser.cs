using System.Globalization;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains.Tasks;

/// <summary>
/// Which ready task a claim gets. Ready tasks are taken by priority (critical first), oldest first within one; the
/// oldest <see cref="Window"/> tasks of the highest priority present that the claimer may take are compared:
/// <list type="bullet">
/// <item>claiming as one agent: the task the router scores that agent highest on (ties: the older task);</item>
/// <item>claiming by capabilities: the oldest of them, given to the agent the router ranks first for it.</item>
/// </list>
/// </summary>
internal static class ClaimChooser
{
    public const int Window = 16;

    public static (TaskSnapshot Task, string Agent, RoutingDecision Decision)? Choose(
        TaskBoard board, SwarmRoster roster, IReadOnlyList<SwarmAgentEntry> candidates,
        Func<TaskSnapshot, IReadOnlyList<RoutingCandidate>, (RoutingDecision Decision, IReadOnlyList<string> Chosen)> route)
    {
        var window = new List<TaskSnapshot>();
        TaskPriority? level = null;
        foreach (var task in board.Ready())
        {
            if (level is { } l && task.Priority < l)
            {
                break;
            }

            if (candidates.Any(a => Eligibility.MayTake(a, task)))
            {
                level ??= task.Priority;
                window.Add(task);
                if (window.Count >= Window)
                {
                    break;
                }
            }
        }

        (TaskSnapshot Task, string Agent, RoutingDecision Decision, double Score)? best = null;
        foreach (var task in window)
        {
            var eligible = candidates.Where(a => Eligibility.MayTake(a, task)).Select(a => roster.Candidate(a, board.WorkOf(a.Id))).ToList();
            var (decision, chosen) = route(task, eligible);
            if (chosen.Count == 0)
            {
                continue;
            }

            var score = decision.Ranking.First(s => s.AgentId == chosen[0]).Score;
            if (best is null || (candidates.Count == 1 && score > best.Value.Score + 1e-9))
            {
                best = (task, chosen[0], decision, score);
            }

            if (candidates.Count > 1)
            {
                break;
            }
        }

        return best is { } b ? (b.Task, b.Agent, b.Decision) : null;
    }

    public static string NothingToClaim(QueueCounts queue, IReadOnlyList<SwarmAgentEntry> candidates)
    {
        var who = candidates.Count == 1 ? $"agent {candidates[0].Id}" : $"{candidates.Count} agents with those capabilities";
        return queue.Ready > 0
            ? $"no ready task {who} may take ({queue.Ready} ready need other capabilities or agents, {queue.Blocked} blocked, {queue.Assigned + queue.InProgress} held)"
            : $"no ready task: {queue.Blocked} blocked by dependencies, {queue.Assigned} assigned, {queue.InProgress} in progress";
    }

    public static string Reason(TaskSnapshot task, string agent, RoutingDecision decision) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{task.Priority.ToString().ToLowerInvariant()} priority task {task.Id} (oldest ready at that priority that suits) claimed for {agent}; {decision.Reason}");
}

/// <summary>Who may take a task: the capabilities it requires, the agents it allows, not an agent it failed on.</summary>
internal static class Eligibility
{
    public static bool MayTake(SwarmAgentEntry agent, TaskSnapshot task) =>
        TaskRouter.HasCapabilities(agent.Capabilities, task.RequiredCapabilities)
        && (task.AllowedAgents is null || task.AllowedAgents.Contains(agent.Id))
        && !task.ExcludedAgents.Contains(agent.Id);
}
