using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.State;

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
        Description = TaskFeatureEncoder.EncodedPart(description ?? "");
        Priority = priority;
        RequiredCapabilities = requiredCapabilities ?? [];
    }

    /// <summary>The part of the description the encoder reads (<see cref="TaskFeatureEncoder.EncodedPart"/>).</summary>
    public string Description { get; }

    public TaskPriority Priority { get; }

    /// <summary>As the task gave them (the swarm lower-cases and de-duplicates them when it validates a task).</summary>
    public IReadOnlyList<string> RequiredCapabilities { get; }

    public static TaskText From(TaskSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new TaskText(spec.Description, spec.Priority, spec.RequiredCapabilities);
    }

    public static TaskText Of(TaskIndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new TaskText(entry.Text, entry.Priority, entry.RequiredCapabilities);
    }
}
