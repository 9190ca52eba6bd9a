using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Routing;

/// <summary>
/// What the routing network reads about a task. Routing (from the task's spec) and training (from the recorded
/// outcome) both build one of these and encode it with <see cref="TaskFeatureEncoder"/>, so the same task is
/// the same input either way.
/// </summary>
public sealed record TaskText
{
    public TaskText(string? description, TaskPriority priority = TaskPriority.Medium, IReadOnlyList<string>? requiredCapabilities = null)
    {
        Description = description ?? "";
        Priority = priority;
        RequiredCapabilities = requiredCapabilities ?? [];
    }

    public string Description { get; }

    public TaskPriority Priority { get; }

    /// <summary>As the task gave them (the swarm lower-cases and de-duplicates them when it validates a task).</summary>
    public IReadOnlyList<string> RequiredCapabilities { get; }

    public static TaskText From(TaskSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new TaskText(spec.Description, spec.Priority, spec.RequiredCapabilities);
    }

    public static TaskText From(TaskOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return new TaskText(outcome.Description, outcome.Priority, outcome.RequiredCapabilities);
    }
}
