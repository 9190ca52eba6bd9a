using SwarmCluster.Contracts.Daa;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Daa;

/// <summary>Task figures of one time window, computed from the swarm's task listing (newest tasks first).</summary>
internal sealed class WindowFigures(TaskListing listing, DateTimeOffset from, DateTimeOffset to)
{
    private readonly List<TaskInfo> _finished = listing.Tasks.Where(t => t.FinishedAt is { } f && f >= from && f <= to).ToList();

    // The listing holds the newest tasks only: if even its oldest was created inside the window, older ones may be missing.
    private bool Truncated => listing.Truncated && listing.Tasks.Count > 0 && listing.Tasks.Min(t => t.CreatedAt) > from;

    public TaskWindowFigures Performance()
    {
        var completed = _finished.Where(t => t.Status == TaskState.Completed).ToList();
        var failed = _finished.Count(t => t.Status == TaskState.Failed);
        var durations = completed.Select(t => t.DurationMs).OfType<double>().Order().ToList();
        var qualities = completed.Select(t => t.Results.LastOrDefault(r => r.Success)?.Quality).OfType<double>().ToList();
        var hours = (to - from).TotalHours;
        return new TaskWindowFigures(
            listing.Tasks.Count(t => t.CreatedAt >= from),
            completed.Count,
            failed,
            _finished.Count(t => t.Status == TaskState.Cancelled),
            completed.Count + failed > 0 ? (double)completed.Count / (completed.Count + failed) : null,
            durations.Count > 0 ? durations.Average() : null,
            durations.Count > 0 ? Median(durations) : null,
            qualities.Count > 0 ? qualities.Average() : null,
            hours > 0 ? completed.Count / hours : null,
            Truncated);
    }

    public EfficiencyFigures Efficiency(int agents, int busyAgents, double? feedbackAverage)
    {
        var busyMs = _finished.Select(t => t.DurationMs).OfType<double>().Sum();
        var windowMs = (to - from).TotalMilliseconds;
        var expired = listing.Tasks.SelectMany(t => t.Events).Count(e => e.Kind == TaskEventKind.LeaseExpired && e.At >= from);
        var attempts = _finished.Where(t => t.Attempt > 0).Select(t => (double)t.Attempt).ToList();
        return new EfficiencyFigures(agents, busyAgents, agents > 0 && windowMs > 0 ? Math.Min(1, busyMs / (agents * windowMs)) : null,
            expired, attempts.Count > 0 ? attempts.Average() : null, feedbackAverage);
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
