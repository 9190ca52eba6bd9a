using SwarmCluster.Contracts.Errors;

namespace SwarmCluster.Grains.Tasks;

/// <summary>Ordering a batch of tasks that depend on each other.</summary>
internal static class TaskGraphs
{
    /// <summary>
    /// The keys in an order where every task comes after its dependencies, otherwise keeping the given order.
    /// A cycle is refused with an error naming it ("a → b → a").
    /// </summary>
    public static IReadOnlyList<string> TopologicalOrder(IReadOnlyList<(string Key, IReadOnlyList<string> DependsOn)> tasks, string parameter = "dependsOn")
    {
        var index = tasks.Select((t, i) => (t.Key, i)).ToDictionary(x => x.Key, x => x.i, StringComparer.Ordinal);
        var waiting = tasks.Select(t => t.DependsOn.Count(index.ContainsKey)).ToArray();
        var dependents = tasks.Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < tasks.Count; i++)
        {
            foreach (var dependency in tasks[i].DependsOn.Where(index.ContainsKey))
            {
                dependents[index[dependency]].Add(i);
            }
        }

        var ready = new SortedSet<int>(Enumerable.Range(0, tasks.Count).Where(i => waiting[i] == 0));
        var order = new List<string>(tasks.Count);
        while (ready.Count > 0)
        {
            var next = ready.Min;
            ready.Remove(next);
            order.Add(tasks[next].Key);
            foreach (var dependent in dependents[next])
            {
                if (--waiting[dependent] == 0)
                {
                    ready.Add(dependent);
                }
            }
        }

        if (order.Count < tasks.Count)
        {
            throw DomainException.Invalid(parameter, "dependencies form a cycle: " + string.Join(" → ", FindCycle(tasks, index, waiting)));
        }

        return order;
    }

    private static List<string> FindCycle(IReadOnlyList<(string Key, IReadOnlyList<string> DependsOn)> tasks, Dictionary<string, int> index, int[] waiting)
    {
        // Every task left with waiting > 0 depends on another one left: walking dependencies must revisit a task.
        var start = Array.FindIndex(waiting, w => w > 0);
        var seen = new Dictionary<int, int>();
        var path = new List<int>();
        var at = start;
        while (!seen.ContainsKey(at))
        {
            seen[at] = path.Count;
            path.Add(at);
            at = tasks[at].DependsOn.Where(index.ContainsKey).Select(d => index[d]).First(d => waiting[d] > 0);
        }

        var cycle = path.Skip(seen[at]).ToList();
        cycle.Reverse(); // dependency first: "a → b" reads "a must finish before b"
        var first = cycle.IndexOf(cycle.Min()); // start at the task given first, so the message is stable
        var keys = cycle.Skip(first).Concat(cycle.Take(first)).Select(i => tasks[i].Key).ToList();
        keys.Add(keys[0]);
        return keys;
    }
}
