using System.Globalization;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.State;
using SwarmCluster.Grains.Telemetry;

namespace SwarmCluster.Grains.Tasks;

/// <summary>
/// The rules one task obeys on its own, over its stored state:
/// <list type="bullet">
/// <item>pending → assigned (a claim or task_orchestrate's assignment) only at the attempt the swarm saw, with a
/// lease; each claim is one attempt;</item>
/// <item>a heartbeat (task_progress) comes from a holder, never goes backwards and renews the lease;</item>
/// <item>a result is recorded exactly once: a repeated requestId is answered unchanged; a result from an agent that
/// does not hold the task while another does is refused; a late result for a task nobody holds (its lease ran
/// out and it waits in the queue) is accepted rather than wasted; credit goes to the reporter, or to the only
/// holder when the reporter is not named;</item>
/// <item>a failure may be requeued once for a different agent (the Queen's policy, decided by the swarm);</item>
/// <item>a lease that ran out sends the task back to the queue, or fails it once maxAttempts claims have expired;</item>
/// <item>completed, failed and cancelled are final.</item>
/// </list>
/// Tasks stored before leases existed have no lease: theirs runs from their last activity.
/// </summary>
internal sealed class TaskLifecycle(string id, TaskGrainState s)
{
    public static TaskGrainState Create(TaskCreation c)
    {
        if (!GrainKeys.IsSwarmId(c.SwarmId))
        {
            throw DomainException.Invalid("swarmId", $"'{c.SwarmId}' is not a swarm id");
        }

        var state = new TaskGrainState
        {
            Exists = true,
            Indexed = true,
            SwarmId = c.SwarmId,
            Sequence = c.Sequence,
            Key = c.Key,
            RequestId = c.RequestId,
            Description = Checks.Text(c.Description, "description", TaskLimits.MaxDescriptionLength),
            Priority = Checks.Defined(c.Priority, "priority"),
            Strategy = Checks.Defined(c.Strategy, "strategy"),
            RequiredCapabilities = c.RequiredCapabilities.ToList(),
            DependsOn = c.DependsOn.ToList(),
            AllowedAgents = c.AllowedAgents?.ToList(),
            MaxAttempts = Checks.Range(c.MaxAttempts, "maxAttempts", 1, TaskLimits.MaxAttempts),
            Status = TaskState.Pending,
            CreatedAt = c.CreatedAt,
            LeaseSeconds = Checks.Range(c.LeaseSeconds, "leaseSeconds", TaskLimits.MinLeaseSeconds, TaskLimits.MaxLeaseSeconds),
        };
        state.Events.Add(new TaskEvent(c.CreatedAt, TaskEventKind.Created, null, 0, state.DependsOn.Count > 0 ? "depends on " + string.Join(", ", state.DependsOn) : null));
        Count(TaskEventKind.Created);
        if (c.Assignment is { } assignment)
        {
            new TaskLifecycle("", state).Assign(assignment, c.CreatedAt);
        }

        return state;
    }

    public static DateTimeOffset EffectiveLease(TaskGrainState s) =>
        s.LeaseExpiresAt ?? (s.LastHeartbeat ?? s.StartedAt ?? s.CreatedAt).AddSeconds(LeaseLength(s));

    private static int LeaseLength(TaskGrainState s) => s.LeaseSeconds > 0 ? s.LeaseSeconds : TaskLimits.DefaultLeaseSeconds;

    private int Attempt => s.Attempt == 0 && s.AssignedAgents.Count > 0 ? 1 : s.Attempt;

    private int MaxAttempts => s.MaxAttempts > 0 ? s.MaxAttempts : TaskLimits.DefaultMaxAttempts;

    private bool IsHeld => s.Status is TaskState.Assigned or TaskState.InProgress;

    public bool IsFinished => s.Status is TaskState.Completed or TaskState.Failed or TaskState.Cancelled;

    public void Assign(TaskAssignment a, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(a);
        EnsureOpen();
        if (s.Status != TaskState.Pending || Attempt != a.ExpectedAttempt)
        {
            throw new DomainException(ErrorKind.Conflict,
                $"task '{id}' changed before the assignment ({Lower(s.Status)}, attempt {Attempt}, expected {a.ExpectedAttempt})", "taskId");
        }

        if (a.AgentIds.Count == 0 || a.AgentIds.Any(agent => !GrainKeys.IsAgentId(agent)))
        {
            throw DomainException.Invalid("agentIds", "must name one or more agents");
        }

        s.Attempt = Attempt + 1;
        s.Status = TaskState.Assigned;
        s.AssignedAgents = a.AgentIds.Distinct().ToList();
        s.LeaseSeconds = Checks.Range(a.LeaseSeconds, "leaseSeconds", TaskLimits.MinLeaseSeconds, TaskLimits.MaxLeaseSeconds);
        s.LeaseExpiresAt = a.LeaseExpiresAt;
        s.LastHeartbeat = now;
        s.StatusReason = null;
        if (a.Routing is not null)
        {
            s.Routing = Stored(a.Routing);
        }

        if (a.ClaimRequestId is not null)
        {
            s.ClaimRequestIds.Add(a.ClaimRequestId);
        }

        foreach (var agent in s.AssignedAgents)
        {
            s.Holds.Add(new TaskHold(agent, s.Attempt, HoldOutcome.Open, now, null, null));
        }

        AddEvent(new TaskEvent(now, a.Kind == AssignmentKind.Claimed ? TaskEventKind.Claimed : TaskEventKind.Assigned,
            s.AssignedAgents[0], s.Attempt, $"lease until {Time(a.LeaseExpiresAt)}" + (s.AssignedAgents.Count > 1 ? $"; with {string.Join(", ", s.AssignedAgents.Skip(1))}" : "")));
    }

    public void Heartbeat(string? agentId, double progress, string? message, DateTimeOffset leaseExpiresAt, DateTimeOffset now)
    {
        EnsureOpen();
        if (!IsHeld)
        {
            throw new DomainException(ErrorKind.Conflict, s.Events.LastOrDefault(e => e.Kind == TaskEventKind.LeaseExpired) is { } expired
                ? $"task '{id}' is not claimed: the lease of {expired.AgentId} expired at {Time(expired.At)} and the task went back to the queue; claim it again with task_claim"
                : $"task '{id}' is not claimed yet: claim it with task_claim first", "taskId");
        }

        CheckHolder(agentId);
        Checks.Fraction(progress, "progress");
        var text = Checks.Text(message, "message", TaskLimits.MaxMessageLength, required: false);
        if (progress < s.Progress)
        {
            throw DomainException.Invalid("progress", $"must not go backwards (currently {s.Progress:0.###}, got {progress:0.###})");
        }

        if (s.Status != TaskState.InProgress)
        {
            AddEvent(new TaskEvent(now, TaskEventKind.Started, agentId ?? s.AssignedAgents.FirstOrDefault(), Attempt, null));
        }

        s.Progress = progress;
        s.Status = TaskState.InProgress;
        s.StartedAt ??= now;
        s.LastHeartbeat = now;
        s.LeaseExpiresAt = leaseExpiresAt;
        s.ProgressHistory.Add(new TaskProgressEntry(agentId, progress, text.Length > 0 ? text : null, now));
        Trim(s.ProgressHistory, TaskLimits.MaxProgressHistory);
    }

    public bool IsReplay(string? requestId) => requestId is not null && s.Results.Exists(r => r.RequestId == requestId);

    public void Report(TaskReport report, DateTimeOffset now)
    {
        var c = report.Completion;
        if (IsFinished)
        {
            throw new DomainException(ErrorKind.Conflict, $"task '{id}' already finished ({Lower(s.Status)}); its result was recorded once", "taskId");
        }

        string? credit;
        var late = false;
        if (IsHeld)
        {
            CheckHolder(c.AgentId);
            credit = c.AgentId ?? (s.AssignedAgents.Count == 1 ? s.AssignedAgents[0] : null);
        }
        else
        {
            // Nobody holds it: its lease ran out (or it was never claimed). The work is done, so keep it.
            credit = c.AgentId;
            late = s.Holds.Exists(h => h.AgentId == c.AgentId);
        }

        if (c.Quality is { } q)
        {
            Checks.Fraction(q, "quality");
        }

        var output = Checks.Text(c.Output, "output", TaskLimits.MaxOutputLength, required: false);
        var error = Checks.Text(c.Error, "error", TaskLimits.MaxMessageLength, required: false);
        s.Results.Add(new TaskResultEntry(c.AgentId, c.Success, output.Length > 0 ? output : null, c.Quality, error.Length > 0 ? error : null, now) { RequestId = c.RequestId });
        if (!IsHeld && credit is not null)
        {
            s.Holds.Add(new TaskHold(credit, Attempt, HoldOutcome.Open, s.LastHeartbeat ?? s.CreatedAt, null, null));
            if (late)
            {
                AddEvent(new TaskEvent(now, TaskEventKind.LateResultAccepted, credit, Attempt, "reported after its lease ran out; nobody else held the task"));
            }
        }

        CloseHolds(now, h => h.AgentId == credit ? (c.Success ? HoldOutcome.Completed : HoldOutcome.Failed) : HoldOutcome.Released, c.Quality);
        s.AssignedAgents = [];
        s.LeaseExpiresAt = null;

        if (!c.Success && report.RetryFailureElsewhere && credit is not null)
        {
            s.Status = TaskState.Pending;
            s.ExcludedAgents.Add(credit);
            s.StatusReason = $"failed on {credit}" + (error.Length > 0 ? $" ({error})" : "") + "; retrying once on another agent";
            AddEvent(new TaskEvent(now, TaskEventKind.RetriedOnAnotherAgent, credit, Attempt, s.StatusReason));
            return;
        }

        s.StartedAt ??= s.CreatedAt;
        s.FinishedAt = now;
        s.Status = c.Success ? TaskState.Completed : TaskState.Failed;
        s.CreditedAgent = credit;
        s.Quality = c.Quality;
        s.StatusReason = c.Success ? null : error.Length > 0 ? error : "reported as failed";
        if (c.Success)
        {
            s.Progress = 1.0;
        }

        AddEvent(new TaskEvent(now, c.Success ? TaskEventKind.Completed : TaskEventKind.Failed, credit, Attempt, c.Success ? null : s.StatusReason));
    }

    public bool ExpireLease(int expectedAttempt, DateTimeOffset now)
    {
        if (!IsHeld || Attempt != expectedAttempt || EffectiveLease(s) > now)
        {
            return false;
        }

        var holders = string.Join(", ", s.AssignedAgents);
        CloseHolds(now, _ => HoldOutcome.Expired, null);
        AddEvent(new TaskEvent(now, TaskEventKind.LeaseExpired, s.AssignedAgents.FirstOrDefault(), Attempt, $"no report from {holders} since {Time(s.LastHeartbeat ?? s.CreatedAt)}"));
        s.AssignedAgents = [];
        s.LeaseExpiresAt = null;
        if (Attempt >= MaxAttempts)
        {
            s.Status = TaskState.Failed;
            s.StartedAt ??= s.CreatedAt;
            s.FinishedAt = now;
            s.StatusReason = $"lease expired on attempt {Attempt} of {MaxAttempts} (last held by {holders})";
            AddEvent(new TaskEvent(now, TaskEventKind.Failed, null, Attempt, s.StatusReason));
        }
        else
        {
            s.Status = TaskState.Pending;
            s.StatusReason = $"lease of {holders} expired at {Time(now)}; back in the queue (attempt {Attempt} of {MaxAttempts} used)";
            AddEvent(new TaskEvent(now, TaskEventKind.Requeued, null, Attempt, null));
        }

        return true;
    }

    public void Cancel(string reason, DateTimeOffset now)
    {
        EnsureOpen();
        var text = Checks.Text(reason, "reason", TaskLimits.MaxMessageLength, required: false);
        CloseHolds(now, _ => HoldOutcome.Released, null);
        s.AssignedAgents = [];
        s.LeaseExpiresAt = null;
        s.Status = TaskState.Cancelled;
        s.FinishedAt = now;
        s.StatusReason = text.Length > 0 ? text : "cancelled";
        s.ProgressHistory.Add(new TaskProgressEntry(null, s.Progress, "cancelled: " + s.StatusReason, now));
        Trim(s.ProgressHistory, TaskLimits.MaxProgressHistory);
        AddEvent(new TaskEvent(now, TaskEventKind.Cancelled, null, Attempt, s.StatusReason));
    }

    public TaskSnapshot Snapshot() => new()
    {
        Id = id,
        Exists = true,
        SwarmId = s.SwarmId,
        Sequence = s.Sequence,
        Status = s.Status,
        Priority = s.Priority,
        Description = s.Description,
        RequiredCapabilities = s.RequiredCapabilities.ToList(),
        DependsOn = s.DependsOn.ToList(),
        AllowedAgents = s.AllowedAgents?.ToList(),
        ExcludedAgents = s.ExcludedAgents.ToList(),
        Holders = s.AssignedAgents.ToList(),
        LeaseExpiresAt = IsHeld ? EffectiveLease(s) : null,
        LastHeartbeat = s.LastHeartbeat,
        Attempt = Attempt,
        MaxAttempts = MaxAttempts,
        CreatedAt = s.CreatedAt,
        FinishedAt = s.FinishedAt,
        StatusReason = s.StatusReason,
        Holds = HoldsOrLegacy(),
        Key = s.Key,
        RequestId = s.RequestId,
        ClaimRequestIds = s.ClaimRequestIds.ToList(),
        CreditedAgent = s.CreditedAgent ?? (s.Indexed ? null : s.Results.LastOrDefault()?.AgentId),
        Quality = s.Quality ?? (s.Indexed ? null : s.Results.LastOrDefault()?.Quality),
        LeaseSeconds = LeaseLength(s),
    };

    public TaskInfo Info(bool detailed) => new()
    {
        Id = id,
        SwarmId = s.SwarmId,
        Description = s.Description,
        Priority = s.Priority,
        Strategy = s.Strategy,
        Status = s.Status,
        StatusReason = s.StatusReason,
        Progress = s.Progress,
        AssignedAgents = s.AssignedAgents.ToList(),
        DependsOn = s.DependsOn.ToList(),
        RequiredCapabilities = s.RequiredCapabilities.ToList(),
        Attempt = Attempt,
        MaxAttempts = MaxAttempts,
        LeaseExpiresAt = IsHeld ? EffectiveLease(s) : null,
        LastHeartbeat = s.LastHeartbeat,
        CreatedAt = s.CreatedAt,
        StartedAt = s.StartedAt,
        FinishedAt = s.FinishedAt,
        Routing = s.Routing,
        ProgressHistory = detailed ? s.ProgressHistory.ToList() : [],
        Results = detailed ? s.Results.ToList() : [],
        Events = detailed ? s.Events.ToList() : [],
        RequestId = s.RequestId,
        Key = s.Key,
        CreditedAgent = s.CreditedAgent,
    };

    /// <summary>The routing decision with concrete lists, the only kind the JSON state reader accepts.</summary>
    public static RoutingDecision Stored(RoutingDecision routing) => routing with { Ranking = routing.Ranking.ToList() };

    private List<TaskHold> HoldsOrLegacy()
    {
        if (s.Indexed || s.Holds.Count > 0)
        {
            return s.Holds.ToList();
        }

        // Rows from before holds were kept: what they stored is who was assigned and the results.
        var start = s.StartedAt ?? s.CreatedAt;
        if (IsHeld)
        {
            return s.AssignedAgents.Select(a => new TaskHold(a, 1, HoldOutcome.Open, start, null, null)).ToList();
        }

        var result = s.Results.LastOrDefault();
        return s.AssignedAgents.Select(a => new TaskHold(a, 1,
            result is null ? HoldOutcome.Released : result.Success ? HoldOutcome.Completed : HoldOutcome.Failed,
            start, s.FinishedAt, result?.Quality)).ToList();
    }

    private void CheckHolder(string? agentId)
    {
        if (agentId is not null && !s.AssignedAgents.Contains(agentId))
        {
            throw new DomainException(ErrorKind.Conflict,
                $"agent '{agentId}' does not hold task '{id}' (held by {string.Join(", ", s.AssignedAgents)}, attempt {Attempt})", "agentId");
        }
    }

    private void CloseHolds(DateTimeOffset now, Func<TaskHold, HoldOutcome> outcome, double? quality)
    {
        for (var i = 0; i < s.Holds.Count; i++)
        {
            if (s.Holds[i].Outcome == HoldOutcome.Open)
            {
                var o = outcome(s.Holds[i]);
                s.Holds[i] = s.Holds[i] with { Outcome = o, EndedAt = now, Quality = o is HoldOutcome.Completed or HoldOutcome.Failed ? quality : null };
            }
        }
    }

    private void EnsureOpen()
    {
        if (IsFinished)
        {
            throw new DomainException(ErrorKind.Conflict, $"task '{id}' already finished ({Lower(s.Status)})", "taskId");
        }
    }

    private void AddEvent(TaskEvent e)
    {
        s.Events.Add(e);
        Trim(s.Events, TaskLimits.MaxEvents);
        Count(e.Kind);
    }

    // Every transition passes here (or through Create), so the metrics count transitions, not scans.
    private static void Count(TaskEventKind kind)
    {
        SwarmMetrics.TaskEvents.Add(1, new KeyValuePair<string, object?>("event", SwarmMetrics.TagValue(kind)));
        if (kind is TaskEventKind.Claimed or TaskEventKind.Assigned)
        {
            SwarmMetrics.TaskClaims.Add(1, new KeyValuePair<string, object?>("kind", SwarmMetrics.TagValue(kind)));
        }
        else if (kind == TaskEventKind.LeaseExpired)
        {
            SwarmMetrics.LeaseExpiries.Add(1);
        }
    }

    private static void Trim<T>(List<T> list, int max)
    {
        if (list.Count > max)
        {
            list.RemoveRange(0, list.Count - max);
        }
    }

    private static string Lower(TaskState state) => state switch
    {
        TaskState.InProgress => "in_progress",
        _ => state.ToString().ToLowerInvariant(),
    };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
