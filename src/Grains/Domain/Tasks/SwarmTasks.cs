using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Tasks;

/// <summary>
/// A swarm's tasks: the graph, the queue, claims and leases, results and supervision. It runs inside the swarm
/// grain's turns (one call at a time), asks the <see cref="TaskBoard"/> what to do, tells the task grains, and
/// applies what they answer. Write order keeps every crash recoverable from durable state:
/// <list type="bullet">
/// <item>creation writes the index entry and the task grain together (<see cref="TaskCreator"/>); an entry whose
/// grain is missing was never acknowledged and is dropped when the swarm next activates;</item>
/// <item>every other change is written by the task grain first, then (if the task finished) by its index page;
/// on activation every open task's grain is read back, so a finish the page missed is applied then, dependents
/// of failed tasks are cancelled (<see cref="TaskSettlement"/>), and leases that ran out meanwhile expire
/// (<see cref="TaskSupervisor"/>).</item>
/// </list>
/// </summary>
internal sealed class SwarmTasks
{
    private readonly ISwarmContext _swarm;
    private readonly TaskBoard _board;
    private readonly TaskPageStore _pages;
    private readonly SwarmActionLog _actions;
    private readonly TaskGrainCalls _calls;
    private readonly TaskViews _views;
    private readonly TaskCreator _creator;
    private readonly TaskSettlement _settlement;
    private readonly TaskSupervisor _supervisor;

    public SwarmTasks(ISwarmContext swarm, TaskBoard board, TaskPageStore pages, SwarmActionLog actions)
    {
        _swarm = swarm;
        _board = board;
        _pages = pages;
        _actions = actions;
        _calls = new TaskGrainCalls(swarm.GrainFactory, swarm.SwarmId, swarm.Logger);
        _views = new TaskViews(swarm.SwarmId, board);
        _creator = new TaskCreator(swarm, board, pages, _calls);
        _settlement = new TaskSettlement(swarm, board, _calls, actions);
        _supervisor = new TaskSupervisor(swarm, board, _calls, actions, _settlement);
    }

    public TaskBoard Board => _board;

    private string SwarmId => _swarm.SwarmId;

    /// <summary>
    /// Loads the index, moves tasks of a swarm stored before the index into it, then reads every open task back
    /// from its grain and repairs what a crash may have left behind.
    /// </summary>
    public async Task ActivateAsync(IReadOnlyList<string> legacyTaskIds)
    {
        _board.Load(await _pages.LoadAsync());
        var now = DateTimeOffset.UtcNow;
        foreach (var id in legacyTaskIds.Where(id => !_board.TryGetEntry(id, out _)))
        {
            _board.Add(id, _board.ReserveSequence(), now, "", TaskPriority.Medium, [], [], null, null);
        }

        var toRead = _board.Entries.Where(e => !e.Finished || legacyTaskIds.Contains(e.Id)).Select(e => e.Id).ToList();
        foreach (var snapshot in await _calls.ReadAsync(toRead))
        {
            if (!snapshot.Exists)
            {
                _board.Drop(snapshot.Id);
                continue;
            }

            if (_board.TryGetEntry(snapshot.Id, out var entry) && entry.Text.Length == 0)
            {
                // Moved from before the index: what routing and training read comes from the grain.
                entry.Text = TaskFeatureEncoder.EncodedPart(snapshot.Description);
                entry.Priority = snapshot.Priority;
                entry.RequiredCapabilities = snapshot.RequiredCapabilities.ToList();
                entry.CreatedAt = snapshot.CreatedAt;
            }

            if (_board.Apply(snapshot, now) && _board.TryGetEntry(snapshot.Id, out var finished))
            {
                _swarm.Learned(finished);
            }
        }

        await _settlement.CancelDeadDependentsAsync("swarm");
        await _supervisor.ExpireLeasesAsync("swarm");
        await FlushAsync();
    }

    // ---- creation ----

    public async Task<TaskInfo> OrchestrateAsync(TaskSpec spec)
    {
        await RefreshAsync();
        var (created, existing, routing) = await _creator.CreateOneAsync(spec);
        if (created is null)
        {
            return await GetAsync(existing!, detailed: false);
        }

        await _supervisor.AutoSpawnAsync();
        await FlushAsync();
        return _views.Info(created, routing);
    }

    /// <summary>Several tasks at once, depending on each other by key. All or nothing.</summary>
    public async Task<IReadOnlyList<TaskInfo>> OrchestrateBatchAsync(IReadOnlyList<TaskSpec> specs)
    {
        await RefreshAsync();
        var (created, ids) = await _creator.CreateBatchAsync(specs);
        if (created is null)
        {
            var infos = new List<TaskInfo>();
            foreach (var id in ids)
            {
                infos.Add(await GetAsync(id, detailed: false));
            }

            return infos;
        }

        await _supervisor.AutoSpawnAsync();
        await FlushAsync();
        return created.Select(s => _views.Info(s, null)).ToList();
    }

    // ---- claims ----

    public async Task<ClaimResult> ClaimAsync(ClaimRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        await RefreshAsync();
        var requestId = TaskSpecs.RequestId(request.RequestId);
        Checks.Range(request.LeaseSeconds, "leaseSeconds", TaskLimits.MinLeaseSeconds, TaskLimits.MaxLeaseSeconds);
        if (requestId is not null && _board.TaskOfClaimRequest(requestId) is { } claimedBefore)
        {
            var info = await GetAsync(claimedBefore, detailed: false);
            var agent = _board.OpenTask(claimedBefore)?.Holds.LastOrDefault(h => h.Attempt == info.Attempt)?.AgentId
                ?? (_board.TryGetEntry(claimedBefore, out var e) ? e.Holds.LastOrDefault()?.AgentId : null);
            return new ClaimResult(true, $"repeat of claim request '{requestId}': nothing claimed again", agent, info,
                info.LeaseExpiresAt, info.Routing, _board.Queue(), Replayed: true);
        }

        var candidates = Claimers(request);
        for (var attempt = 0; ; attempt++)
        {
            var choice = ClaimChooser.Choose(_board, _swarm.Roster, candidates, (task, eligible) => _swarm.Route(RoutingOf(task), eligible, 1));
            if (choice is null)
            {
                return new ClaimResult(false, ClaimChooser.NothingToClaim(_board.Queue(), candidates), request.AgentId, null, null, null, _board.Queue());
            }

            var (task, agent, decision) = choice.Value;
            var now = DateTimeOffset.UtcNow;
            var lease = now.AddSeconds(request.LeaseSeconds);
            try
            {
                var snapshot = await _calls.Call(task.Id, t => t.Assign(new TaskAssignment([agent], lease, decision, AssignmentKind.Claimed, requestId, task.Attempt)
                {
                    LeaseSeconds = request.LeaseSeconds,
                }));
                _board.Apply(snapshot, now);
                return new ClaimResult(true, ClaimChooser.Reason(task, agent, decision), agent, _views.Info(snapshot, decision), lease, decision, _board.Queue());
            }
            catch (DomainException e) when (e.Kind == ErrorKind.Conflict && attempt < 2)
            {
                await RefreshAsync(); // the task moved on without us (a lost answer earlier): read it back and choose again
            }
        }
    }

    private List<State.SwarmAgentEntry> Claimers(ClaimRequest request)
    {
        if (request.AgentId is not null)
        {
            if (request.Capabilities is { Count: > 0 })
            {
                throw DomainException.Invalid("capabilities", "give either agentId or capabilities, not both");
            }

            return [_swarm.Roster.Require(request.AgentId)];
        }

        var needed = Capabilities.Normalize(request.Capabilities, "capabilities");
        if (needed.Count == 0)
        {
            throw DomainException.Invalid("agentId", "give agentId (claim as that agent) or capabilities (the router picks the agent)");
        }

        var agents = _swarm.Roster.WithCapabilities(needed).ToList();
        return agents.Count > 0
            ? agents
            : throw new DomainException(ErrorKind.Conflict, $"no agent in swarm '{SwarmId}' has the capabilities {string.Join(", ", needed)}; spawn one first", "capabilities");
    }

    // ---- work on a claimed task ----

    public async Task<TaskInfo> ProgressAsync(string taskId, string? agentId, double progress, string? message)
    {
        await RefreshAsync();
        var task = RequireOpen(taskId);
        if (agentId is not null)
        {
            _swarm.Roster.Require(agentId);
        }

        var now = DateTimeOffset.UtcNow;
        var lease = now.AddSeconds(task.LeaseSeconds > 0 ? task.LeaseSeconds : TaskLimits.DefaultLeaseSeconds);
        var snapshot = await _calls.Call(taskId, t => t.Heartbeat(agentId, progress, message, lease));
        _board.Apply(snapshot, now);
        return _views.Info(snapshot, null);
    }

    public async Task<TaskInfo> CompleteAsync(string taskId, TaskCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        await RefreshAsync();
        completion = completion with { RequestId = TaskSpecs.RequestId(completion.RequestId) };
        if (!_board.TryGetEntry(taskId, out var entry))
        {
            throw TaskNotFound(taskId);
        }

        if (completion.AgentId is not null)
        {
            _swarm.Roster.Require(completion.AgentId);
        }

        if (entry.Finished)
        {
            // Only a repeat of the request that finished it is answered; the task grain knows.
            var repeat = await _calls.Call(taskId, t => t.Report(new TaskReport(completion, false)));
            return _views.Info(repeat.Snapshot, null);
        }

        var open = _board.OpenTask(taskId) ?? throw Recovering(taskId);
        if (_board.BlockedBy(taskId) is { Count: > 0 } blockedBy)
        {
            throw new DomainException(ErrorKind.Conflict, $"task '{taskId}' is blocked: its dependencies {string.Join(", ", blockedBy)} have not completed", "taskId");
        }

        // The Queen's policy: a failure is retried once, on another agent that may take the task.
        var failing = completion.AgentId ?? (open.Holders.Count == 1 ? open.Holders[0] : null);
        var retryElsewhere = !completion.Success && _swarm.Policy.RetryFailedOnce && open.ExcludedAgents.Count == 0 && failing is not null
            && _swarm.Roster.Agents.Any(a => a.Id != failing && Eligibility.MayTake(a, open));
        var reported = await _calls.Call(taskId, t => t.Report(new TaskReport(completion, retryElsewhere)));
        var finished = _board.Apply(reported.Snapshot, DateTimeOffset.UtcNow);
        if (!reported.Replayed && retryElsewhere && reported.Snapshot.Status == TaskState.Pending)
        {
            _actions.Add(new SupervisionAction(DateTimeOffset.UtcNow, "queen", SupervisionActionKind.RetriedOnAnotherAgent, taskId, failing,
                $"failed on {failing}: {reported.Snapshot.StatusReason}"));
        }

        if (finished)
        {
            await _settlement.AfterFinishAsync(taskId, "swarm");
            await _supervisor.AutoSpawnAsync(); // dependents that became ready may need an agent nobody is
        }

        await FlushAsync();
        return _views.Info(reported.Snapshot, null);
    }

    public async Task<TaskCancelResult> CancelAsync(string taskId, string? reason)
    {
        await RefreshAsync();
        var text = Checks.Text(reason, "reason", TaskLimits.MaxMessageLength, required: false);
        RequireOpen(taskId, allowBlocked: true);
        var snapshot = await _calls.Call(taskId, t => t.Cancel(text.Length > 0 ? text : "cancelled by request"));
        _board.Apply(snapshot, DateTimeOffset.UtcNow);
        var also = await _settlement.AfterFinishAsync(taskId, "swarm");
        await FlushAsync();
        return new TaskCancelResult(_views.Info(snapshot, null), also);
    }

    // ---- supervision ----

    /// <summary>Ends leases that ran out (the swarm's timer, activation, the Queen).</summary>
    public async Task ExpireLeasesAsync(string actor)
    {
        if ((await _supervisor.ExpireLeasesAsync(actor)).Count > 0)
        {
            await FlushAsync();
        }
    }

    /// <summary>Everything supervision checks now; returns what it did and what it sees stalled.</summary>
    public async Task<SupervisionReport> SuperviseAsync(string actor)
    {
        await RefreshAsync();
        var before = _actions.Total;
        await _supervisor.ExpireLeasesAsync(actor);
        await _settlement.CancelDeadDependentsAsync(actor);
        await _supervisor.AutoSpawnAsync();
        await FlushAsync();
        var added = (int)Math.Min(_actions.Recent.Count, _actions.Total - before);
        return new SupervisionReport(SwarmId, _actions.Recent.Skip(_actions.Recent.Count - added).ToList(), _supervisor.Stalled(DateTimeOffset.UtcNow));
    }

    // ---- reads ----

    public async Task<TaskInfo> GetAsync(string taskId, bool detailed)
    {
        await RefreshAsync();
        if (!_board.TryGetEntry(taskId, out _))
        {
            throw TaskNotFound(taskId);
        }

        return _views.Overlay(await _calls.Call(taskId, t => t.GetInfo(detailed)));
    }

    public async Task<TaskListing> ListAsync(TaskState? status, bool detailed, int limit)
    {
        await RefreshAsync();
        Checks.Range(limit, "limit", 1, TaskLimits.MaxListedTasks);
        var ids = _board.Entries
            .Where(e => status is null || (e.Finished ? e.Status : _board.StatusOf(e.Id)) == status)
            .OrderByDescending(e => e.Sequence)
            .Select(e => e.Id)
            .ToList();
        var shown = await _calls.ForEachAsync(ids.Take(limit).ToList(), id => _calls.Call(id, t => t.GetInfo(detailed)));
        return new TaskListing(SwarmId, _board.Counts(), shown.Select(_views.Overlay).ToList(), ids.Count > limit);
    }

    public async Task<SwarmGraph> GraphAsync(SupervisionPolicy policy)
    {
        await RefreshAsync();
        return _views.Graph(policy, _supervisor.Stalled(DateTimeOffset.UtcNow), _actions);
    }

    /// <summary>Reads back tasks whose last call failed, so what the swarm reports and decides matches what the tasks say.</summary>
    public async Task RefreshAsync()
    {
        if (!_calls.HasSuspects)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        foreach (var snapshot in await _calls.ReadAsync(_calls.TakeSuspects()))
        {
            if (!snapshot.Exists)
            {
                _board.Drop(snapshot.Id);
            }
            else if (_board.Apply(snapshot, now))
            {
                await _settlement.AfterFinishAsync(snapshot.Id, "swarm");
            }
        }

        await FlushAsync();
    }

    // ---- destroy ----

    public async Task<int> DestroyAsync()
    {
        var open = _board.OpenTasks.Select(t => t.Id).ToList();
        var cancelled = await _calls.ForEachAsync(open, id => _calls.CallOrNull(id, t => t.Cancel("swarm destroyed")));
        await _calls.ForEachAsync(_board.Entries.Select(e => e.Id).ToList(), async id =>
        {
            await _calls.Task(id).Retire();
            return true;
        });
        await _pages.ClearAsync();
        await _actions.ClearAsync();
        return cancelled.Count(r => r is not null);
    }

    private Task FlushAsync() => Task.WhenAll(_pages.WriteAsync(_board, _board.DirtyPages.ToList()), _actions.FlushAsync());

    private TaskSnapshot RequireOpen(string taskId, bool allowBlocked = false)
    {
        if (!_board.TryGetEntry(taskId, out var entry))
        {
            throw TaskNotFound(taskId);
        }

        if (entry.Finished)
        {
            throw new DomainException(ErrorKind.Conflict, $"task '{taskId}' already finished ({entry.Status.ToString().ToLowerInvariant()})", "taskId");
        }

        var task = _board.OpenTask(taskId) ?? throw Recovering(taskId);
        if (!allowBlocked && _board.StatusOf(taskId) == TaskState.Blocked)
        {
            throw new DomainException(ErrorKind.Conflict, $"task '{taskId}' is blocked: waiting for {string.Join(", ", _board.BlockedBy(taskId))}", "taskId");
        }

        return task;
    }

    private DomainException Recovering(string taskId) => new(ErrorKind.Unavailable, $"task '{taskId}' is being recovered; try again");

    private DomainException TaskNotFound(string taskId) => new(ErrorKind.NotFound, $"task '{taskId}' not found in swarm '{SwarmId}'", "taskId");

    private TaskText RoutingOf(TaskSnapshot task) =>
        _board.TryGetEntry(task.Id, out var e) ? TaskText.Of(e) : new TaskText(task.Description, task.Priority, task.RequiredCapabilities);
}
