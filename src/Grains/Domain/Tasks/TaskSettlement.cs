using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Tasks;

/// <summary>
/// What follows a task's end: its reported holds are training data, and open tasks that depend on a failed or
/// cancelled task (or on one that was never created) can never run, so they are cancelled with the reason. Run
/// after every finish and on activation, it also repairs a cascade a crash interrupted.
/// </summary>
internal sealed class TaskSettlement(ISwarmContext swarm, TaskBoard board, TaskGrainCalls calls, SwarmActionLog actions)
{
    /// <summary>Returns the dependents it cancelled.</summary>
    public async Task<IReadOnlyList<string>> AfterFinishAsync(string taskId, string actor)
    {
        if (!board.TryGetEntry(taskId, out var entry))
        {
            return [];
        }

        swarm.Learned(entry);
        if (entry.Status == TaskState.Completed)
        {
            return [];
        }

        var dependents = board.OpenDependents(taskId);
        if (dependents.Count == 0)
        {
            return [];
        }

        var reason = $"dependency {taskId} {entry.Status.ToString().ToLowerInvariant()}" + (entry.StatusReason is { } r ? $" ({r})" : "");
        await CancelAllAsync(dependents, reason);
        actions.Add(new SupervisionAction(DateTimeOffset.UtcNow, actor, SupervisionActionKind.DependentsCancelled, taskId, null,
            $"{dependents.Count} dependent task(s) can never run: {string.Join(", ", dependents)}"));
        return dependents;
    }

    /// <summary>Open tasks whose dependency failed, was cancelled or never existed are cancelled.</summary>
    public async Task CancelDeadDependentsAsync(string actor)
    {
        for (var round = 0; round < 100; round++)
        {
            var dead = board.OpenTasks.Select(t => (Task: t, Dependency: DeadDependencyOf(t))).Where(x => x.Dependency is not null).ToList();
            if (dead.Count == 0)
            {
                return;
            }

            foreach (var group in dead.GroupBy(x => x.Dependency!))
            {
                var reason = board.TryGetEntry(group.Key, out var dependency)
                    ? $"dependency {group.Key} {dependency.Status.ToString().ToLowerInvariant()}"
                    : $"dependency {group.Key} was never created";
                var ids = group.Select(x => x.Task.Id).ToList();
                await CancelAllAsync(ids, reason);
                actions.Add(new SupervisionAction(DateTimeOffset.UtcNow, actor, SupervisionActionKind.DependentsCancelled, group.Key, null,
                    $"{ids.Count} dependent task(s) can never run: {string.Join(", ", ids)}"));
            }
        }
    }

    private async Task CancelAllAsync(IReadOnlyList<string> ids, string reason)
    {
        var snapshots = await calls.ForEachAsync(ids, id => calls.CallOrNull(id, t => t.Cancel(reason)));
        var now = DateTimeOffset.UtcNow;
        foreach (var snapshot in snapshots.OfType<TaskSnapshot>())
        {
            board.Apply(snapshot, now);
            if (board.TryGetEntry(snapshot.Id, out var entry))
            {
                swarm.Learned(entry);
            }
        }
    }

    private string? DeadDependencyOf(TaskSnapshot task) =>
        board.DeadDependency(task) ?? task.DependsOn.FirstOrDefault(d => !board.TryGetEntry(d, out _));
}
