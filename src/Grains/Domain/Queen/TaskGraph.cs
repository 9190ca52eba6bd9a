namespace SwarmCluster.Grains.Queen;

/// <summary>A dependency of the final plan: <see cref="After"/> waits for <see cref="Before"/>; the rule that made it.</summary>
internal readonly record struct PlanEdge(int Before, int After, string Rule);

/// <summary>The task graph over a reading's deliverables (by index), acyclic, with no redundant edge.</summary>
internal sealed record TaskGraphResult(
    IReadOnlyList<int> Order,
    IReadOnlyList<PlanEdge> Edges,
    IReadOnlyList<StatedEdge> SkippedStated,
    IReadOnlyList<(int Before, int After)> SkippedPhase,
    IReadOnlyList<int?> Levels);

/// <summary>
/// Builds the dependency graph: the stated order first (an edge that would close a cycle is skipped), then the
/// default phase order where the stated order does not contradict it, then a transitive reduction (an edge
/// implied by a longer path is dropped) and a topological order that keeps the text order among equals.
/// </summary>
internal static class TaskGraph
{
    public static TaskGraphResult Build(IReadOnlyList<WorkArea> areas, IReadOnlyList<StatedEdge> stated)
    {
        var n = areas.Count;
        var edges = new Dictionary<(int, int), string>();
        var skippedStated = new List<StatedEdge>();
        foreach (var edge in stated)
        {
            if (edges.ContainsKey((edge.Before, edge.After)))
            {
                continue;
            }

            if (Reaches(edges, n, edge.After, edge.Before))
            {
                skippedStated.Add(edge);
                continue;
            }

            edges[(edge.Before, edge.After)] = edge.Rule;
        }

        // Phase order at the levels the stated order leaves: each task waits for every task of the nearest
        // earlier level present. Levels never contradict the stated order, so no phase edge can close a cycle;
        // the check below is only a guard.
        var level = Levels(areas, edges, n);
        var present = level.OfType<int>().Distinct().ToList();
        var skippedPhase = new List<(int, int)>();
        for (var after = 0; after < n; after++)
        {
            if (level[after] is not { } own)
            {
                continue; // coordination runs alongside the phases
            }

            var previous = present.Where(p => p < own).DefaultIfEmpty(-1).Max();
            for (var before = 0; before < n && previous >= 0; before++)
            {
                if (level[before] != previous || edges.ContainsKey((before, after)))
                {
                    continue;
                }

                if (Reaches(edges, n, after, before))
                {
                    skippedPhase.Add((before, after));
                    continue;
                }

                edges[(before, after)] = "phase";
            }
        }

        // Transitive reduction: drop before→after when another successor of before already reaches after.
        var reach = Closure(edges, n);
        var kept = edges
            .Where(e => !edges.Keys.Any(o => o.Item1 == e.Key.Item1 && o.Item2 != e.Key.Item2 && reach[o.Item2][e.Key.Item2]))
            .Select(e => new PlanEdge(e.Key.Item1, e.Key.Item2, e.Value))
            .OrderBy(e => e.After).ThenBy(e => e.Before)
            .ToList();

        return new TaskGraphResult(TopologicalOrder(kept, n), kept, skippedStated, skippedPhase, level);
    }

    /// <summary>
    /// The phase each task counts at once the stated order is applied (null for coordination). Follow-up work
    /// (testing, optimization, review, documentation) stated before work of an earlier phase counts at that
    /// phase ("write the tests first", "review the design before implementing it"); then every task counts at
    /// least at the level of any task stated before it ("implement it, then compare the results"). So a stated
    /// edge never goes from a higher level to a lower one.
    /// </summary>
    private static int?[] Levels(IReadOnlyList<WorkArea> areas, Dictionary<(int, int), string> stated, int n)
    {
        var statedEdges = stated.Keys.Select(k => new PlanEdge(k.Item1, k.Item2, "")).ToList();
        var order = TopologicalOrder(statedEdges, n);

        // ceiling: the lowest phase among the task and everything stated after it.
        var ceiling = areas.Select(a => a.Phase ?? int.MaxValue).ToArray();
        for (var i = order.Count - 1; i >= 0; i--)
        {
            foreach (var edge in statedEdges.Where(e => e.Before == order[i]))
            {
                ceiling[order[i]] = Math.Min(ceiling[order[i]], ceiling[edge.After]);
            }
        }

        var level = areas.Select((a, i) => a.Phase is not { } own ? (int?)null
            : own > WorkAreas.Implementation.Phase ? Math.Min(own, ceiling[i]) : own).ToArray();

        // floor: the highest level among the task and everything stated before it (coordination passes it on).
        var floor = level.Select(l => l ?? -1).ToArray();
        foreach (var node in order)
        {
            if (level[node] is { } own)
            {
                level[node] = Math.Max(own, floor[node]);
            }

            foreach (var edge in statedEdges.Where(e => e.Before == node))
            {
                floor[edge.After] = Math.Max(floor[edge.After], Math.Max(floor[node], level[node] ?? -1));
            }
        }

        return level;
    }

    /// <summary>Kahn's algorithm, always taking the ready task that comes first in the text.</summary>
    private static List<int> TopologicalOrder(List<PlanEdge> edges, int n)
    {
        var waiting = new int[n];
        foreach (var edge in edges)
        {
            waiting[edge.After]++;
        }

        var ready = new SortedSet<int>(Enumerable.Range(0, n).Where(i => waiting[i] == 0));
        var order = new List<int>(n);
        while (ready.Count > 0)
        {
            var next = ready.Min;
            ready.Remove(next);
            order.Add(next);
            foreach (var edge in edges.Where(e => e.Before == next))
            {
                if (--waiting[edge.After] == 0)
                {
                    ready.Add(edge.After);
                }
            }
        }

        return order;
    }

    private static bool Reaches(Dictionary<(int, int), string> edges, int n, int from, int to)
    {
        var seen = new bool[n];
        var stack = new Stack<int>();
        stack.Push(from);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node == to)
            {
                return true;
            }

            if (seen[node])
            {
                continue;
            }

            seen[node] = true;
            foreach (var (before, after) in edges.Keys)
            {
                if (before == node && !seen[after])
                {
                    stack.Push(after);
                }
            }
        }

        return false;
    }

    /// <summary>reach[a][b]: b can be reached from a by one or more edges (or a == b).</summary>
    private static bool[][] Closure(Dictionary<(int, int), string> edges, int n)
    {
        var reach = new bool[n][];
        for (var i = 0; i < n; i++)
        {
            reach[i] = new bool[n];
            reach[i][i] = true;
        }

        foreach (var (before, after) in edges.Keys)
        {
            reach[before][after] = true;
        }

        for (var k = 0; k < n; k++)
        {
            for (var i = 0; i < n; i++)
            {
                if (!reach[i][k])
                {
                    continue;
                }

                for (var j = 0; j < n; j++)
                {
                    reach[i][j] |= reach[k][j];
                }
            }
        }

        return reach;
    }
}
