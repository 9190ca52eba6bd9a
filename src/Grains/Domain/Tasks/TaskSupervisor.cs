using Microsoft.Extensions.Logging;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Tasks;

/// <summary>
/// What the swarm does on its own: leases that ran out send their task back to the queue (or fail it after
/// maxAttempts); under a Queen's policy, a ready task no agent may take gets an agent with its capabilities; and it
/// tells which tasks look stalled. Every action goes to the swarm's action log with its reason.
/// </summary>
internal sealed class TaskSupervisor(ISwarmContext swarm, TaskBoard board, TaskGrainCalls calls, SwarmActionLog actions, TaskSettlement settlement)
{
    /// <summary>A ready task waiting longer than this is reported as stalled.</summary>
    public static readonly TimeSpan StallAfter = TimeSpan.FromMinutes(5);

    private readonly HashSet<string> _cannotSpawnReported = new(StringComparer.Ordinal);

    /// <summary>Ends leases that ran out; returns the actions taken.</summary>
    public async Task<IReadOnlyList<SupervisionAction>> ExpireLeasesAsync(string actor)
    {
        var now = DateTimeOffset.UtcNow;
        var expired = board.ExpiredLeases(now);
        var done = new List<SupervisionAction>();
        foreach (var task in expired)
        {
            var snapshot = await calls.CallOrNull(task.Id, t => t.ExpireLease(task.Attempt, now));
            if (snapshot is null)
            {
                continue;
            }

            var changed = snapshot.Attempt != task.Attempt || snapshot.Status != task.Status || snapshot.Holders.Count != task.Holders.Count;
            var finished = board.Apply(snapshot, now);
            if (!changed)
            {
                continue; // renewed meanwhile
            }

            done.Add(new SupervisionAction(now, actor, SupervisionActionKind.LeaseExpired, task.Id, task.Holders.FirstOrDefault(),
                $"no report from {string.Join(", ", task.Holders)} within the lease (attempt {task.Attempt} of {task.MaxAttempts})"));
            done.Add(finished
                ? new SupervisionAction(now, actor, SupervisionActionKind.TaskFailedAfterAttempts, task.Id, null, snapshot.StatusReason ?? "lease expired too often")
                : new SupervisionAction(now, actor, SupervisionActionKind.TaskRequeued, task.Id, null, "back in the queue for another agent"));
            if (finished)
            {
                await settlement.AfterFinishAsync(task.Id, actor);
            }
        }

        foreach (var action in done)
        {
            actions.Add(action);
        }

        if (done.Count > 0)
        {
            swarm.Logger.LogInformation("Swarm {SwarmId}: {Count} lease(s) expired", swarm.SwarmId, done.Count / 2);
        }

        return done;
    }

    /// <summary>The Queen's policy: a ready task no agent may take gets an agent with its capabilities, within maxAgents.</summary>
    public async Task AutoSpawnAsync()
    {
        if (!swarm.Policy.AutoSpawn)
        {
            return;
        }

        foreach (var task in board.Ready().ToList())
        {
            if (task.AllowedAgents is not null || swarm.Roster.Agents.Any(a => Eligibility.MayTake(a, task)))
            {
                continue;
            }

            var (agentId, reason) = await swarm.SpawnForAsync(task.RequiredCapabilities, task.Id);
            if (agentId is not null)
            {
                actions.Add(new SupervisionAction(DateTimeOffset.UtcNow, "queen", SupervisionActionKind.AgentSpawned, task.Id, agentId, reason));
            }
            else if (_cannotSpawnReported.Add(task.Id))
            {
                actions.Add(new SupervisionAction(DateTimeOffset.UtcNow, "queen", SupervisionActionKind.CannotSpawn, task.Id, null, reason));
            }
        }
    }

    public IReadOnlyList<StalledTask> Stalled(DateTimeOffset now)
    {
        var stalled = new List<StalledTask>();
        foreach (var task in board.OpenTasks.OrderBy(t => board.TryGetEntry(t.Id, out var e) ? e.Sequence : 0))
        {
            var status = board.StatusOf(task.Id);
            if (status == TaskState.Pending)
            {
                if (!swarm.Roster.Agents.Any(a => Eligibility.MayTake(a, task)))
                {
                    stalled.Add(new StalledTask(task.Id, StallKind.NoEligibleAgent,
                        task.RequiredCapabilities.Count > 0 ? $"no agent has {string.Join(", ", task.RequiredCapabilities)}" : "no agent may take it"));
                }
                else if (board.ReadySince(task.Id) is { } since && now - since > StallAfter)
                {
                    stalled.Add(new StalledTask(task.Id, StallKind.WaitingLong, $"ready since {since:O}, nobody claimed it"));
                }
            }
            else if (status is TaskState.Assigned or TaskState.InProgress)
            {
                var lease = TimeSpan.FromSeconds(task.LeaseSeconds > 0 ? task.LeaseSeconds : TaskLimits.DefaultLeaseSeconds);
                if (task.LastHeartbeat is { } beat && now - beat > lease / 2)
                {
                    stalled.Add(new StalledTask(task.Id, StallKind.NoHeartbeat, $"no report from {string.Join(", ", task.Holders)} since {beat:O} (lease {lease.TotalSeconds:0} s)"));
                }
            }

            var expiries = task.Holds.Count(h => h.Outcome == HoldOutcome.Expired);
            if (expiries >= 2)
            {
                stalled.Add(new StalledTask(task.Id, StallKind.RepeatedlyExpired, $"its lease expired {expiries} times"));
            }
        }

        return stalled;
    }
}
