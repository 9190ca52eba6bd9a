using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Tasks;

/// <summary>What callers see of tasks: a task's facts with what only the swarm knows (blocked, what it waits for), and the graph.</summary>
internal sealed class TaskViews(string swarmId, TaskBoard board)
{
    /// <summary>Tasks shown in a graph at most: every open one, then the most recently finished.</summary>
    public const int MaxGraphTasks = 1000;

    public TaskInfo Info(TaskSnapshot s, RoutingDecision? routing) => new()
    {
        Id = s.Id,
        SwarmId = swarmId,
        Description = s.Description,
        Priority = s.Priority,
        Status = s.IsFinished ? s.Status : board.StatusOf(s.Id),
        StatusReason = board.BlockedBy(s.Id) is { Count: > 0 } b && !s.IsFinished ? "waiting for " + string.Join(", ", b) : s.StatusReason,
        AssignedAgents = s.Holders,
        DependsOn = s.DependsOn,
        BlockedBy = s.IsFinished ? [] : board.BlockedBy(s.Id),
        RequiredCapabilities = s.RequiredCapabilities,
        Attempt = s.Attempt,
        MaxAttempts = s.MaxAttempts,
        LeaseExpiresAt = s.LeaseExpiresAt,
        LastHeartbeat = s.LastHeartbeat,
        CreatedAt = s.CreatedAt,
        FinishedAt = s.FinishedAt,
        Routing = routing,
        RequestId = s.RequestId,
        Key = s.Key,
        CreditedAgent = s.CreditedAgent,
    };

    /// <summary>A task grain's own view (its stored status is never Blocked) with the swarm's: Blocked and what it waits for.</summary>
    public TaskInfo Overlay(TaskInfo info)
    {
        if (info.Status != TaskState.Pending || board.StatusOf(info.Id) != TaskState.Blocked)
        {
            return info;
        }

        var blockedBy = board.BlockedBy(info.Id);
        return info with { Status = TaskState.Blocked, BlockedBy = blockedBy, StatusReason = "waiting for " + string.Join(", ", blockedBy) };
    }

    public SwarmGraph Graph(SupervisionPolicy policy, IReadOnlyList<StalledTask> stalled, SwarmActionLog actions)
    {
        var entries = board.Entries.OrderBy(e => e.Sequence).ToList();
        var shown = entries.Count <= MaxGraphTasks
            ? entries
            : entries.Where(e => !e.Finished).Concat(entries.Where(e => e.Finished).TakeLast(Math.Max(0, MaxGraphTasks - board.OpenCount))).OrderBy(e => e.Sequence).ToList();
        var tasks = shown.Select(e =>
        {
            var open = board.OpenTask(e.Id);
            return new GraphTask(e.Id, e.Key, e.Text.Length <= 120 ? e.Text : e.Text[..120] + "…",
                e.Finished ? e.Status : board.StatusOf(e.Id), e.Priority,
                open?.DependsOn.ToList() ?? e.DependsOn.ToList(),
                open?.Holders.ToList() ?? [],
                open?.Attempt ?? e.Holds.Select(h => h.Attempt).DefaultIfEmpty(0).Max(),
                open?.LeaseExpiresAt, e.CreatedAt, e.FinishedAt,
                e.Finished ? e.StatusReason : board.BlockedBy(e.Id) is { Count: > 0 } b ? "waiting for " + string.Join(", ", b) : open?.StatusReason);
        }).ToList();
        return new SwarmGraph(swarmId, board.Counts(), tasks, board.CriticalPath(), stalled, actions.Recent.ToList(), actions.Total, policy);
    }
}
