using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Tasks;

namespace SwarmCluster.Grains.Tests.Unit;

/// <summary>
/// The board keeps task counts and agent work up to date as tasks change instead of recounting the swarm on every
/// call; after every step of a random history they must equal what a board built from scratch says.
/// </summary>
public class TaskBoardTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Agents = ["a1", "a2", "a3"];

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public void Counts_and_agent_work_kept_as_tasks_change_equal_a_recount(int seed)
    {
        var random = new Random(seed);
        var board = new TaskBoard();
        var open = new Dictionary<string, TaskSnapshot>();
        var now = T0;

        for (var step = 0; step < 400; step++)
        {
            now = now.AddSeconds(1);
            var roll = random.Next(10);
            if (roll < 4 || open.Count == 0)
            {
                var id = $"t{step}";
                var dependsOn = open.Keys.Concat(board.Entries.Where(e => e.Finished).Select(e => e.Id))
                    .OrderBy(_ => random.Next()).Take(random.Next(3)).ToList();
                board.Add(id, board.ReserveSequence(), now, $"task {step}", (TaskPriority)random.Next(4), [], dependsOn, null, null);
                Apply(board, open, new TaskSnapshot
                {
                    Id = id, Exists = true, Sequence = board.NextSequence - 1, Status = TaskState.Pending, DependsOn = dependsOn, CreatedAt = now,
                }, now);
            }
            else
            {
                var task = open.Values.ElementAt(random.Next(open.Count));
                var agent = Agents[random.Next(Agents.Length)];
                var holds = task.Holds.ToList();
                TaskSnapshot next;
                if (task.Holders.Count == 0 && roll < 7)
                {
                    holds.Add(new TaskHold(agent, task.Attempt + 1, HoldOutcome.Open, now, null, null));
                    next = task with { Status = TaskState.Assigned, Holders = [agent], Holds = holds, Attempt = task.Attempt + 1, LeaseExpiresAt = now.AddSeconds(30) };
                }
                else if (task.Holders.Count > 0 && roll == 7)
                {
                    holds[^1] = holds[^1] with { Outcome = HoldOutcome.Expired, EndedAt = now };
                    next = task with { Status = TaskState.Pending, Holders = [], Holds = holds, LeaseExpiresAt = null };
                }
                else if (roll == 9 && random.Next(4) == 0)
                {
                    board.Drop(task.Id);
                    open.Remove(task.Id);
                    AssertEqualsRecount(board, open, now);
                    continue;
                }
                else
                {
                    var status = (TaskState)(TaskState.Completed + random.Next(3));
                    if (task.Holders.Count > 0)
                    {
                        var outcome = status == TaskState.Completed ? HoldOutcome.Completed : status == TaskState.Failed ? HoldOutcome.Failed : HoldOutcome.Released;
                        holds[^1] = holds[^1] with { Outcome = outcome, EndedAt = now, Quality = random.NextDouble() };
                    }

                    next = task with { Status = status, Holders = [], Holds = holds, FinishedAt = now };
                }

                Apply(board, open, next, now);
            }

            AssertEqualsRecount(board, open, now);
        }

        Assert.Contains(board.Entries, e => e.Finished && e.Status == TaskState.Completed);
        Assert.True(board.Counts().Blocked + board.Counts().Pending > 0, "the history never left a task waiting");
    }

    private static void Apply(TaskBoard board, Dictionary<string, TaskSnapshot> open, TaskSnapshot snapshot, DateTimeOffset now)
    {
        board.Apply(snapshot, now);
        if (snapshot.IsFinished)
        {
            open.Remove(snapshot.Id);
        }
        else
        {
            open[snapshot.Id] = snapshot;
        }
    }

    /// <summary>Counts and work worked out here from the tasks themselves, without the board's bookkeeping.</summary>
    private static void AssertEqualsRecount(TaskBoard board, Dictionary<string, TaskSnapshot> open, DateTimeOffset now)
    {
        var entries = board.Entries.ToDictionary(e => e.Id);
        bool Completed(string id) => entries.TryGetValue(id, out var e) && e.Finished && e.Status == TaskState.Completed;
        var statuses = entries.Values.Select(e => e.Finished ? e.Status
            : open.TryGetValue(e.Id, out var t) ? t.Status == TaskState.Pending && !t.DependsOn.All(Completed) ? TaskState.Blocked : t.Status
            : e.Status).ToList();
        int Of(TaskState s) => statuses.Count(x => x == s);
        Assert.Equal(new TaskCounts(Of(TaskState.Pending), Of(TaskState.Assigned), Of(TaskState.InProgress), Of(TaskState.Completed),
            Of(TaskState.Failed), Of(TaskState.Cancelled), Of(TaskState.Blocked)), board.Counts());

        var holds = open.Values.SelectMany(t => t.Holds).Concat(entries.Values.Where(e => e.Finished).SelectMany(e => e.Holds)).ToList();
        foreach (var agent in Agents)
        {
            var mine = holds.Where(h => h.AgentId == agent).ToList();
            var work = board.WorkOf(agent);
            Assert.Equal(open.Values.Where(t => t.Holders.Contains(agent)).OrderBy(t => t.Sequence).Select(t => t.Id), work.OpenTaskIds);
            Assert.Equal(mine.Count, work.Holds);
            Assert.Equal(mine.Count(h => h.Outcome == HoldOutcome.Completed), work.Completed);
            Assert.Equal(mine.Count(h => h.Outcome == HoldOutcome.Failed), work.Failed);
            Assert.Equal(mine.Count(h => h.Outcome == HoldOutcome.Expired), work.Expired);
            Assert.Equal(mine.Count == 0 ? null : mine.Max(h => h.EndedAt ?? h.StartedAt), work.LastActivity);
            var reported = mine.Where(h => h.Outcome is HoldOutcome.Completed or HoldOutcome.Failed).ToList();
            Assert.Equal(reported.Select(h => (h.EndedAt!.Value - h.StartedAt).TotalMilliseconds).Order(), work.Durations.Order());
            Assert.Equal(reported.Sum(h => h.Quality ?? 0), work.QualitySum, 9);
        }

        Assert.Equal(open.Values.Where(t => t.Holders.Count > 0 && t.LeaseExpiresAt <= now.AddMinutes(1)).OrderBy(t => t.Sequence).Select(t => t.Id),
            board.ExpiredLeases(now.AddMinutes(1)).Select(t => t.Id));

        // Each page holds exactly the entries whose sequence falls in it, in sequence order.
        foreach (var page in entries.Values.Select(e => TaskBoard.PageOf(e.Sequence)).Append(TaskBoard.PageOf(board.NextSequence) + 1).Distinct())
        {
            Assert.Equal(entries.Values.Where(e => TaskBoard.PageOf(e.Sequence) == page).OrderBy(e => e.Sequence).Select(e => e.Id),
                board.EntriesOnPage(page).Select(e => e.Id));
        }
    }
}
