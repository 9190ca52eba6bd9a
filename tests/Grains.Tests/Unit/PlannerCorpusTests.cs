using System.Text;
using System.Text.Json;
using SwarmCluster.Contracts.Queen;
using SwarmCluster.Grains.Queen;

namespace SwarmCluster.Grains.Tests.Unit;

/// <summary>
/// The planner against planner-corpus.json: realistic objectives of every shape, each with the tasks (area and a
/// distinctive part of the text, in plan order) and the dependency edges ("t1->t2") it must produce.
/// </summary>
public class PlannerCorpusTests
{
    private static readonly string[] Shapes =
    [
        "one-liner", "comma list", "numbered list", "bulleted list", "then pipeline", "after pipeline",
        "multi-paragraph", "explicit order", "urgent", "vague",
    ];

    private static readonly string[] AreaNames =
        ["research", "analysis", "design", "implementation", "testing", "optimization", "review", "documentation", "coordination"];

    public sealed record CorpusTask(string Area, string Text);

    public sealed record CorpusEntry(string Name, string Shape, string Objective, List<CorpusTask> Tasks, List<string> Edges, string? Priority);

    private static readonly Lazy<List<CorpusEntry>> Corpus = new(() =>
        JsonSerializer.Deserialize<List<CorpusEntry>>(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Unit", "planner-corpus.json")),
            new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!);

    [Fact]
    public void Corpus_has_at_least_30_objectives_covering_every_shape()
    {
        Assert.InRange(Corpus.Value.Count, 30, int.MaxValue);
        Assert.Equal(Corpus.Value.Count, Corpus.Value.Select(e => e.Name).Distinct().Count());
        Assert.Equal(Shapes.Order(), Corpus.Value.Select(e => e.Shape).Distinct().Order());
    }

    [Fact]
    public void Every_corpus_objective_decomposes_into_the_expected_tasks_and_edges()
    {
        var failures = new StringBuilder();
        foreach (var entry in Corpus.Value)
        {
            var plan = ObjectivePlanner.Plan(entry.Objective);
            var actual = plan.Tasks.Select(t => $"{t.Key} [{t.Area}] {t.Description}").ToList();
            var matches = plan.Tasks.Count == entry.Tasks.Count
                          && plan.Tasks.Zip(entry.Tasks).All(p => p.First.Area == p.Second.Area && p.First.Description.Contains(p.Second.Text, StringComparison.Ordinal));
            var edges = ObjectivePlannerTests.Edges(plan);
            if (!matches || !edges.SequenceEqual(entry.Edges.Order(StringComparer.Ordinal)))
            {
                failures.AppendLine($"'{entry.Name}':")
                    .AppendLine($"  expected {string.Join(" | ", entry.Tasks.Select(t => $"[{t.Area}] …{t.Text}…"))}; edges {string.Join(", ", entry.Edges)}")
                    .AppendLine($"  actual   {string.Join(" | ", actual)}; edges {string.Join(", ", edges)}");
            }

            if (entry.Priority is { } priority && plan.Tasks.Max(t => t.Priority).ToString().ToLowerInvariant() != priority)
            {
                failures.AppendLine($"'{entry.Name}': expected priority {priority}, got {plan.Tasks.Max(t => t.Priority)}");
            }
        }

        Assert.True(failures.Length == 0, failures.ToString());
    }

    [Fact]
    public void Every_corpus_plan_keeps_the_invariants()
    {
        foreach (var entry in Corpus.Value)
        {
            var plan = ObjectivePlanner.Plan(entry.Objective);
            AssertInvariants(plan);
            Assert.Equal(JsonSerializer.Serialize(plan), JsonSerializer.Serialize(ObjectivePlanner.Plan(entry.Objective)));
        }
    }

    /// <summary>
    /// Keys t1…tn in plan order; dependencies point backwards only (so no cycle), are distinct and not implied by
    /// another dependency; every task's type has an agent; bounds hold; every task has its area line.
    /// </summary>
    internal static void AssertInvariants(SwarmPlan plan)
    {
        Assert.InRange(plan.Tasks.Count, 1, ObjectivePlanner.MaxPlannedTasks);
        Assert.InRange(plan.Agents.Count, 1, plan.MaxAgents);
        var position = new Dictionary<string, int>();
        var reaches = new List<HashSet<int>>();
        for (var i = 0; i < plan.Tasks.Count; i++)
        {
            var task = plan.Tasks[i];
            Assert.Equal($"t{i + 1}", task.Key);
            Assert.Contains(task.Area, AreaNames);
            Assert.InRange(task.Description.Length, 1, ObjectivePlanner.MaxTaskDescriptionLength);
            Assert.Contains(plan.Agents, a => a.Type == task.PreferredAgentType);
            Assert.IsType<List<string>>(task.DependsOn);
            Assert.Equal(task.DependsOn.Count, task.DependsOn.Distinct().Count());
            var deps = task.DependsOn.Select(d => position[d]).ToList(); // throws for unknown or later keys
            Assert.All(deps, d => Assert.True(d < i));
            foreach (var dep in deps)
            {
                Assert.False(deps.Any(other => other != dep && reaches[other].Contains(dep)), $"{task.Key} depends on t{dep + 1} twice over");
            }

            var reach = new HashSet<int>(deps);
            foreach (var dep in deps)
            {
                reach.UnionWith(reaches[dep]);
            }

            reaches.Add(reach);
            position[task.Key] = i;
            Assert.Contains(plan.Rationale, r => r.StartsWith($"area:{task.Area} ← {task.Key} ", StringComparison.Ordinal));
        }
    }
}
