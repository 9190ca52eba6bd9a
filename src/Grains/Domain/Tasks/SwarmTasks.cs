using System.Globalization;
using Microsoft.Extensions.Logging;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains.Tasks;

/// <summary>What the task coordinator needs from its swarm grain.</summary>
internal interface ISwarmContext
{
    string SwarmId { get; }

    IGrainFactory GrainFactory { get; }

    SwarmRoster Roster { get; }

    SupervisionPolicy Policy { get; }

    /// <summary>The swarm's maxAgents: a task may ask for at most this many agents.</summary>
    int MaxAgents { get; }

    ILogger Logger { get; }

    /// <summary>Ranks the candidates for a task and picks up to <paramref name="count"/> of them.</summary>
    (RoutingDecision Decision, IReadOnlyList<string> Chosen) Route(TaskRouting task, IReadOnlyList<RoutingCandidate> candidates, int count);

    /// <summary>Spawns an agent with the capabilities (the Queen's auto-spawn); null with a reason when it cannot.</summary>
    Task<(string? AgentId, string Reason)> SpawnForAsync(IReadOnlyList<string> capabilities, string taskId);

    /// <summary>A finished task's reported holds are new training data.</summary>
    void Learned(TaskIndexEntry task);
}

/// <summary>What routing reads of a task: its text (start of the description), priority and required capabilities.</summary>
internal sealed record TaskRouting(string Text, TaskPriority Priority, IReadOnlyList<string> RequiredCapabilities)
{
    /// <summary>Characters of the description that routing and training read.</summary>
    public const int TextLength = 500;

    public static string TextOf(string description) => description.Length <= TextLength ? description : description[..TextLength];

    public static TaskRouting Of(TaskIndexEntry e) => new(e.Text, e.Priority, e.RequiredCapabilities);
}

/// <summary>
/// A swarm's tasks: the graph, the queue, claims and leases, results and supervision. It runs inside the swarm
/// grain's turns (one call at a time), asks the <see cref="TaskBoard"/> what to do, tells the task grains, and
/// applies what they answer. Write order keeps every crash recoverable from durable state:
/// <list type="bullet">
/// <item>creation writes the index entry and the task grain together; an entry whose grain is missing was never
/// acknowledged and is dropped when the swarm next activates;</item>
/// <item>every other change is written by the task grain first, then (if the task finished) by its index page;
/// on activation every open task's grain is read back, so a finish the page missed is applied then, dependents
/// of failed tasks are cancelled, and leases that ran out meanwhile expire.</item>
/// </list>
/// </summary>
internal sealed class SwarmTasks(ISwarmContext swarm, TaskBoard board, TaskPageStore pages, SwarmActionLog actions)
{
    /// <summary>Ready tasks compared when an agent claims (the highest priority present, oldest first).</summary>
    public const int ClaimWindow = 16;

    /// <summary>A ready task waiting longer than this is reported as stalled.</summary>
    public static readonly TimeSpan StallAfter = TimeSpan.FromMinutes(5);

    private const int ReadConcurrency = 32;
    private readonly HashSet<string> _suspect = new(StringComparer.Ordinal);
    private readonly HashSet<string> _cannotSpawnReported = new(StringComparer.Ordinal);

    private string SwarmId => swarm.SwarmId;

    public TaskBoard Board => board;

    private ITaskGrain Task(string id) => swarm.GrainFactory.GetGrain<ITaskGrain>(id);

    // ---- activation ----

    /// <summary>
    /// Loads the index, moves tasks of a swarm stored before the index into it, then reads every open task back
    /// from its grain and repairs what a crash may have left behind.
    /// </summary>
    public async Task ActivateAsync(IReadOnlyList<string> legacyTaskIds)
    {
        board.Load(await pages.LoadAsync());
        var now = DateTimeOffset.UtcNow;
        if (legacyTaskIds.Count > 0)
        {
            foreach (var id in legacyTaskIds.Where(id => !board.TryGetEntry(id, out _)))
            {
                board.Add(id, board.ReserveSequence(), now, "", TaskPriority.Medium, [], [], null, null);
            }
        }

        var toRead = board.Entries.Where(e => !e.Finished || legacyTaskIds.Contains(e.Id)).Select(e => e.Id).ToList();
        var snapshots = await ReadAsync(toRead);
        foreach (var snapshot in snapshots)
        {
            if (!snapshot.Exists)
            {
                board.Drop(snapshot.Id);
                continue;
            }

            if (board.TryGetEntry(snapshot.Id, out var entry) && entry.Text.Length == 0)
            {
                // Migrated from before the index: what routing and training read comes from the grain.
                entry.Text = TaskRouting.TextOf(snapshot.Description);
                entry.Priority = snapshot.Priority;
                entry.RequiredCapabilities = snapshot.RequiredCapabilities.ToList();
                entry.CreatedAt = snapshot.CreatedAt;
            }

            if (board.Apply(snapshot, now) && board.TryGetEntry(snapshot.Id, out var finished))
            {
                swarm.Learned(finished);
            }
        }

        await CancelDeadDependentsAsync("swarm");
        await FlushAsync();
    }

    // ---- creation ----

    public async Task<TaskInfo> OrchestrateAsync(TaskSpec spec)
    {
        await ResyncSuspectsAsync();
        var task = TaskSpecs.Normalize(spec, swarm.MaxAgents, swarm.Roster.Count);
        if (task.Key is not null)
        {
            throw DomainException.Invalid("key", "keys name tasks inside a batch; a single task depends on task ids");
        }

        if (task.RequestId is { } request && board.TryGetEntry(GrainKeys.TaskIdForRequest(SwarmId, request), out var existing))
        {
            return await GetAsync(existing.Id, detailed: false);
        }

        var id = task.RequestId is { } r ? GrainKeys.TaskIdForRequest(SwarmId, r) : null;
        var dependencies = ResolveDependencies(task.DependsOn, batch: null, self: id);
        CheckOpenCapacity(1);

        var now = DateTimeOffset.UtcNow;
        var ready = dependencies.All(IsCompleted);
        TaskAssignment? assignment = null;
        if (task.Assign && ready)
        {
            assignment = Assignment(task, now);
        }

        var sequence = board.ReserveSequence();
        id ??= GrainKeys.TaskId(SwarmId, sequence);
        board.Add(id, sequence, now, TaskRouting.TextOf(task.Description), task.Priority, task.RequiredCapabilities, dependencies, task.RequestId, null);
        var creation = Creation(task, sequence, dependencies, now, assignment);
        var snapshot = await CreateAsync([(id, creation)]);
        await AutoSpawnAsync();
        await FlushAsync();
        return Info(snapshot[0], assignment?.Routing);
    }

    /// <summary>Several tasks at once, depending on each other by key. All or nothing.</summary>
    public async Task<IReadOnlyList<TaskInfo>> OrchestrateBatchAsync(IReadOnlyList<TaskSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        await ResyncSuspectsAsync();
        if (specs.Count == 0 || specs.Count > TaskLimits.MaxBatchTasks)
        {
            throw DomainException.Invalid("tasks", $"must hold between 1 and {TaskLimits.MaxBatchTasks} tasks (got {specs.Count})");
        }

        var tasks = specs.Select(s => TaskSpecs.Normalize(s, swarm.MaxAgents, swarm.Roster.Count)).ToList();
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++)
        {
            var key = tasks[i].Key ?? throw DomainException.Invalid($"tasks[{i}].key", "every task of a batch needs a key");
            if (!keys.TryAdd(key, i))
            {
                throw DomainException.Invalid($"tasks[{i}].key", $"'{key}' is used twice");
            }
        }

        // Replays: a batch whose tasks all exist (same request ids) is answered as it is.
        if (tasks.All(t => t.RequestId is not null) && tasks.All(t => board.TryGetEntry(GrainKeys.TaskIdForRequest(SwarmId, t.RequestId!), out _)))
        {
            var infos = new List<TaskInfo>();
            foreach (var t in tasks)
            {
                infos.Add(await GetAsync(GrainKeys.TaskIdForRequest(SwarmId, t.RequestId!), detailed: false));
            }

            return infos;
        }

        var order = TaskGraphs.TopologicalOrder(tasks.Select(t => (t.Key!, (IReadOnlyList<string>)t.DependsOn.Where(keys.ContainsKey).ToList())).ToList());
        CheckOpenCapacity(tasks.Count);
        var now = DateTimeOffset.UtcNow;
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var sequences = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in order)
        {
            var t = tasks[keys[key]];
            var sequence = board.ReserveSequence();
            sequences[key] = sequence;
            ids[key] = t.RequestId is { } r ? GrainKeys.TaskIdForRequest(SwarmId, r) : GrainKeys.TaskId(SwarmId, sequence);
        }

        var creations = new List<(string Id, TaskCreation Creation)>();
        var added = new List<string>();
        try
        {
            foreach (var key in order)
            {
                var t = tasks[keys[key]];
                var dependencies = ResolveDependencies(t.DependsOn, ids, ids[key], $"tasks[{keys[key]}].dependsOn");
                var ready = dependencies.All(IsCompleted);
                var assignment = t.Assign && ready ? Assignment(t, now) : null;
                board.Add(ids[key], sequences[key], now, TaskRouting.TextOf(t.Description), t.Priority, t.RequiredCapabilities, dependencies, t.RequestId, key);
                added.Add(ids[key]);
                creations.Add((ids[key], Creation(t, sequences[key], dependencies, now, assignment)));
            }
        }
        catch
        {
            foreach (var id in added)
            {
                board.Drop(id);
            }

            board.MarkWritten(board.DirtyPages.ToList()); // nothing of it was written
            throw;
        }

        var snapshots = await CreateAsync(creations);
        await AutoSpawnAsync();
        await FlushAsync();
        var byId = snapshots.ToDictionary(s => s.Id);
        return tasks.Select(t => Info(byId[ids[t.Key!]], null)).ToList();
    }

    // ---- claims ----

    public async Task<ClaimResult> ClaimAsync(ClaimRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        await ResyncSuspectsAsync();
        var requestId = TaskSpecs.RequestId(request.RequestId);
        Checks.Range(request.LeaseSeconds, "leaseSeconds", TaskLimits.MinLeaseSeconds, TaskLimits.MaxLeaseSeconds);
        if (requestId is not null && board.TaskOfClaimRequest(requestId) is { } claimedBefore)
        {
            return await ReplayClaimAsync(claimedBefore, requestId);
        }

        List<SwarmCluster.Grains.State.SwarmAgentEntry> candidates;
        if (request.AgentId is not null)
        {
            if (request.Capabilities is { Count: > 0 })
            {
                throw DomainException.Invalid("capabilities", "give either agentId or capabilities, not both");
            }

            candidates = [swarm.Roster.Require(request.AgentId)];
        }
        else
        {
            var needed = Capabilities.Normalize(request.Capabilities, "capabilities");
            if (needed.Count == 0)
            {
                throw DomainException.Invalid("agentId", "give agentId (claim as that agent) or capabilities (the router picks the agent)");
            }

            candidates = swarm.Roster.WithCapabilities(needed).ToList();
            if (candidates.Count == 0)
            {
                throw new DomainException(ErrorKind.Conflict, $"no agent in swarm '{SwarmId}' has the capabilities {string.Join(", ", needed)}; spawn one first", "capabilities");
            }
        }

        for (var attempt = 0; ; attempt++)
        {
            var choice = ChooseClaim(candidates);
            if (choice is null)
            {
                return new ClaimResult(false, NothingToClaim(candidates), request.AgentId, null, null, null, board.Queue());
            }

            var (task, agent, decision) = choice.Value;
            var now = DateTimeOffset.UtcNow;
            var lease = now.AddSeconds(request.LeaseSeconds);
            try
            {
                var snapshot = await Call(task.Id, t => t.Assign(new TaskAssignment([agent], lease, decision, AssignmentKind.Claimed, requestId, task.Attempt)
                {
                    LeaseSeconds = request.LeaseSeconds,
                }));
                board.Apply(snapshot, now);
                var info = Info(snapshot, decision);
                return new ClaimResult(true, ClaimReason(task, agent, decision), agent, info, lease, decision, board.Queue());
            }
            catch (DomainException e) when (e.Kind == ErrorKind.Conflict && attempt < 2)
            {
                // The task moved on without us (a lost answer earlier): read it back and choose again.
                await ResyncAsync([task.Id]);
            }
        }
    }

    private (TaskSnapshot Task, string Agent, RoutingDecision Decision)? ChooseClaim(IReadOnlyList<SwarmCluster.Grains.State.SwarmAgentEntry> candidates)
    {
        var window = new List<TaskSnapshot>();
        TaskPriority? level = null;
        foreach (var task in board.Ready())
        {
            if (level is { } l && task.Priority < l)
            {
                break;
            }

            if (candidates.Any(a => MayTake(a, task)))
            {
                level ??= task.Priority;
                window.Add(task);
                if (window.Count >= ClaimWindow)
                {
                    break;
                }
            }
        }

        if (window.Count == 0)
        {
            return null;
        }

        var roster = swarm.Roster;
        (TaskSnapshot, string, RoutingDecision, double)? best = null;
        foreach (var task in window)
        {
            var eligible = candidates.Where(a => MayTake(a, task)).Select(a => roster.Candidate(a, board.WorkOf(a.Id))).ToList();
            var (decision, chosen) = swarm.Route(RoutingOf(task), eligible, 1);
            if (chosen.Count == 0)
            {
                continue;
            }

            var score = decision.Ranking.First(s => s.AgentId == chosen[0]).Score;
            // One named agent: the ready task it suits best. Capabilities: the first ready task, the best agent for it.
            if (best is null || (candidates.Count == 1 && score > best.Value.Item4 + 1e-9))
            {
                best = (task, chosen[0], decision, score);
            }

            if (candidates.Count > 1)
            {
                break;
            }
        }

        return best is { } b ? (b.Item1, b.Item2, b.Item3) : null;
    }

    private static bool MayTake(SwarmCluster.Grains.State.SwarmAgentEntry agent, TaskSnapshot task) =>
        TaskRouter.HasCapabilities(agent.Capabilities, task.RequiredCapabilities)
        && (task.AllowedAgents is null || task.AllowedAgents.Contains(agent.Id))
        && !task.ExcludedAgents.Contains(agent.Id);

    private string NothingToClaim(IReadOnlyList<SwarmCluster.Grains.State.SwarmAgentEntry> candidates)
    {
        var queue = board.Queue();
        var who = candidates.Count == 1 ? $"agent {candidates[0].Id}" : $"{candidates.Count} agents with those capabilities";
        return queue.Ready > 0
            ? $"no ready task {who} may take ({queue.Ready} ready need other capabilities or agents, {queue.Blocked} blocked, {queue.Assigned + queue.InProgress} held)"
            : $"no ready task: {queue.Blocked} blocked by dependencies, {queue.Assigned} assigned, {queue.InProgress} in progress";
    }

    private static string ClaimReason(TaskSnapshot task, string agent, RoutingDecision decision) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{task.Priority.ToString().ToLowerInvariant()} priority task {task.Id} (oldest ready at that priority that suits) claimed for {agent}; {decision.Reason}");

    private async Task<ClaimResult> ReplayClaimAsync(string taskId, string requestId)
    {
        var info = await GetAsync(taskId, detailed: false);
        var snapshot = board.OpenTask(taskId);
        var hold = snapshot is not null && snapshot.ClaimRequestIds.Count > 0 && snapshot.ClaimRequestIds[^1] == requestId
            ? snapshot.Holds.LastOrDefault()
            : null;
        var agent = hold?.AgentId ?? (board.TryGetEntry(taskId, out var e) ? e.Holds.LastOrDefault()?.AgentId : null);
        return new ClaimResult(true, $"repeat of claim request '{requestId}': nothing claimed again", agent, info,
            info.LeaseExpiresAt, info.Routing, board.Queue(), Replayed: true);
    }

    // ---- work on a claimed task ----

    public async Task<TaskInfo> ProgressAsync(string taskId, string? agentId, double progress, string? message)
    {
        await ResyncSuspectsAsync();
        var task = RequireOpen(taskId);
        if (agentId is not null)
        {
            swarm.Roster.Require(agentId);
        }

        var now = DateTimeOffset.UtcNow;
        var lease = now.AddSeconds(task.LeaseSeconds > 0 ? task.LeaseSeconds : TaskLimits.DefaultLeaseSeconds);
        var snapshot = await Call(taskId, t => t.Heartbeat(agentId, progress, message, lease));
        board.Apply(snapshot, now);
        return Info(snapshot, null);
    }

    public async Task<TaskInfo> CompleteAsync(string taskId, TaskCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        await ResyncSuspectsAsync();
        completion = completion with { RequestId = TaskSpecs.RequestId(completion.RequestId) };
        if (!board.TryGetEntry(taskId, out var entry))
        {
            throw TaskNotFound(taskId);
        }

        if (completion.AgentId is not null)
        {
            swarm.Roster.Require(completion.AgentId);
        }

        if (entry.Finished)
        {
            // Only a repeat of the request that finished it is answered; the task grain knows.
            var repeat = await Call(taskId, t => t.Report(new TaskReport(completion, false)));
            return Info(repeat.Snapshot, null);
        }

        var open = board.OpenTask(taskId)!;
        if (board.BlockedBy(taskId) is { Count: > 0 } blockedBy)
        {
            throw new DomainException(ErrorKind.Conflict, $"task '{taskId}' is blocked: its dependencies {string.Join(", ", blockedBy)} have not completed", "taskId");
        }

        var retryElsewhere = !completion.Success && swarm.Policy.RetryFailedOnce && open.ExcludedAgents.Count == 0
            && Reporter(open, completion.AgentId) is { } failing
            && swarm.Roster.Agents.Any(a => a.Id != failing && MayTake(a, open));
        var reported = await Call(taskId, t => t.Report(new TaskReport(completion, retryElsewhere)));
        var now = DateTimeOffset.UtcNow;
        var finished = board.Apply(reported.Snapshot, now);
        if (!reported.Replayed && reported.Snapshot.Status == TaskState.Pending && retryElsewhere)
        {
            actions.Add(new SupervisionAction(now, "queen", SupervisionActionKind.RetriedOnAnotherAgent, taskId,
                Reporter(open, completion.AgentId), $"failed on {Reporter(open, completion.AgentId)}: {reported.Snapshot.StatusReason}"));
        }

        if (finished)
        {
            await AfterFinishAsync(taskId, now);
        }

        await FlushAsync();
        return Info(reported.Snapshot, null);
    }

    private static string? Reporter(TaskSnapshot task, string? agentId) => agentId ?? (task.Holders.Count == 1 ? task.Holders[0] : null);

    public async Task<TaskCancelResult> CancelAsync(string taskId, string? reason)
    {
        await ResyncSuspectsAsync();
        var text = Checks.Text(reason, "reason", TaskLimits.MaxMessageLength, required: false);
        RequireOpen(taskId);
        var snapshot = await Call(taskId, t => t.Cancel(text.Length > 0 ? text : "cancelled by request"));
        var now = DateTimeOffset.UtcNow;
        board.Apply(snapshot, now);
        var also = await AfterFinishAsync(taskId, now);
        await FlushAsync();
        return new TaskCancelResult(Info(snapshot, null), also);
    }

    /// <summary>After a task finished: cancel dependents that can never run; its outcome is training data.</summary>
    private async Task<IReadOnlyList<string>> AfterFinishAsync(string taskId, DateTimeOffset now)
    {
        if (board.TryGetEntry(taskId, out var entry))
        {
            swarm.Learned(entry);
        }

        if (entry is null || entry.Status == TaskState.Completed)
        {
            await AutoSpawnAsync(); // dependents that became ready may need an agent nobody has
            return [];
        }

        var dependents = board.OpenDependents(taskId);
        if (dependents.Count == 0)
        {
            return [];
        }

        var reason = $"dependency {taskId} {entry.Status.ToString().ToLowerInvariant()}" + (entry.StatusReason is { } r ? $" ({r})" : "");
        await CancelAllAsync(dependents, reason);
        actions.Add(new SupervisionAction(now, "swarm", SupervisionActionKind.DependentsCancelled, taskId, null,
            $"{dependents.Count} dependent task(s) can never run: {string.Join(", ", dependents)}"));
        return dependents;
    }

    private async Task CancelAllAsync(IReadOnlyList<string> ids, string reason)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var batch in ids.Chunk(ReadConcurrency))
        {
            var snapshots = await System.Threading.Tasks.Task.WhenAll(batch.Select(id => CallOrNull(id, t => t.Cancel(reason))));
            foreach (var snapshot in snapshots.OfType<TaskSnapshot>())
            {
                board.Apply(snapshot, now);
                if (board.TryGetEntry(snapshot.Id, out var e))
                {
                    swarm.Learned(e);
                }
            }
        }
    }

    /// <summary>Open tasks whose dependency failed, was cancelled or never existed are cancelled (repairs after a crash too).</summary>
    private async Task CancelDeadDependentsAsync(string actor)
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
                var reason = board.TryGetEntry(group.Key, out var dep)
                    ? $"dependency {group.Key} {dep.Status.ToString().ToLowerInvariant()}"
                    : $"dependency {group.Key} was never created";
                var ids = group.Select(x => x.Task.Id).ToList();
                await CancelAllAsync(ids, reason);
                actions.Add(new SupervisionAction(DateTimeOffset.UtcNow, actor, SupervisionActionKind.DependentsCancelled, group.Key, null,
                    $"{ids.Count} dependent task(s) can never run: {string.Join(", ", ids)}"));
            }
        }
    }

    private string? DeadDependencyOf(TaskSnapshot task) =>
        board.DeadDependency(task) ?? task.DependsOn.FirstOrDefault(d => !board.TryGetEntry(d, out _));

    // ---- supervision ----

    /// <summary>Ends leases that ran out. Called by the swarm's timer, on activation and by the Queen.</summary>
    public async Task<IReadOnlyList<SupervisionAction>> ExpireLeasesAsync(string actor)
    {
        var now = DateTimeOffset.UtcNow;
        var expired = board.ExpiredLeases(now);
        if (expired.Count == 0)
        {
            return [];
        }

        var done = new List<SupervisionAction>();
        foreach (var task in expired)
        {
            var snapshot = await CallOrNull(task.Id, t => t.ExpireLease(task.Attempt, now));
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

            var holders = string.Join(", ", task.Holders);
            done.Add(new SupervisionAction(now, actor, SupervisionActionKind.LeaseExpired, task.Id, task.Holders.FirstOrDefault(),
                $"no report from {holders} within the lease (attempt {task.Attempt} of {task.MaxAttempts})"));
            done.Add(finished
                ? new SupervisionAction(now, actor, SupervisionActionKind.TaskFailedAfterAttempts, task.Id, null, snapshot.StatusReason ?? "lease expired too often")
                : new SupervisionAction(now, actor, SupervisionActionKind.TaskRequeued, task.Id, null, "back in the queue for another agent"));
            if (finished)
            {
                await AfterFinishAsync(task.Id, now);
            }
        }

        foreach (var action in done)
        {
            actions.Add(action);
        }

        swarm.Logger.LogInformation("Swarm {SwarmId}: {Count} lease(s) expired", SwarmId, expired.Count);
        await FlushAsync();
        return done;
    }

    /// <summary>Everything supervision checks now; returns what it did and what it sees stalled.</summary>
    public async Task<SupervisionReport> SuperviseAsync(string actor)
    {
        await ResyncSuspectsAsync();
        var before = actions.Total;
        var done = (await ExpireLeasesAsync(actor)).ToList();
        await CancelDeadDependentsAsync(actor);
        await AutoSpawnAsync();
        await FlushAsync();
        var added = (int)Math.Min(actions.Recent.Count, actions.Total - before);
        return new SupervisionReport(SwarmId, actions.Recent.Skip(actions.Recent.Count - added).ToList(), Stalled(DateTimeOffset.UtcNow));
    }

    /// <summary>The Queen's policy: a ready task no agent may take gets an agent with its capabilities, within maxAgents.</summary>
    private async Task AutoSpawnAsync()
    {
        if (!swarm.Policy.AutoSpawn)
        {
            return;
        }

        foreach (var task in board.Ready().ToList())
        {
            if (task.AllowedAgents is not null || swarm.Roster.Agents.Any(a => MayTake(a, task)))
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
                if (!swarm.Roster.Agents.Any(a => MayTake(a, task)))
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

    // ---- reads ----

    public async Task<TaskInfo> GetAsync(string taskId, bool detailed)
    {
        await ResyncSuspectsAsync();
        if (!board.TryGetEntry(taskId, out _))
        {
            throw TaskNotFound(taskId);
        }

        var info = await Call(taskId, t => t.GetInfo(detailed));
        return Overlay(info);
    }

    public async Task<TaskListing> ListAsync(TaskState? status, bool detailed, int limit)
    {
        await ResyncSuspectsAsync();
        Checks.Range(limit, "limit", 1, TaskLimits.MaxListedTasks);
        var ids = board.Entries
            .Where(e => status is null || (e.Finished ? e.Status : board.StatusOf(e.Id)) == status)
            .OrderByDescending(e => e.Sequence)
            .Select(e => e.Id)
            .ToList();
        var shown = new List<TaskInfo>();
        foreach (var batch in ids.Take(limit).Chunk(ReadConcurrency))
        {
            shown.AddRange((await System.Threading.Tasks.Task.WhenAll(batch.Select(id => Call(id, t => t.GetInfo(detailed))))).Select(Overlay));
        }

        return new TaskListing(SwarmId, board.Counts(), shown, ids.Count > limit);
    }

    public SwarmGraph Graph(SupervisionPolicy policy, int maxTasks = 1000)
    {
        var entries = board.Entries.OrderBy(e => e.Sequence).ToList();
        var shown = entries.Count <= maxTasks
            ? entries
            : entries.Where(e => !e.Finished).Concat(entries.Where(e => e.Finished).TakeLast(Math.Max(0, maxTasks - board.OpenCount))).OrderBy(e => e.Sequence).ToList();
        var tasks = shown.Select(e =>
        {
            var open = board.OpenTask(e.Id);
            return new GraphTask(e.Id, e.Key, e.Text.Length <= 120 ? e.Text : e.Text[..120] + "…",
                e.Finished ? e.Status : board.StatusOf(e.Id), e.Priority,
                open?.DependsOn.ToList() ?? e.DependsOn.ToList(),
                open?.Holders.ToList() ?? [],
                open?.Attempt ?? e.Holds.Select(h => h.Attempt).DefaultIfEmpty(0).Max(),
                open?.LeaseExpiresAt, e.CreatedAt, e.FinishedAt,
                e.Finished ? e.StatusReason : board.BlockedBy(e.Id) is { Count: > 0 } b ? "waiting for " + string.Join(", ", b) : open?.StatusReason);
        }).ToList();
        return new SwarmGraph(SwarmId, board.Counts(), tasks, board.CriticalPath(), Stalled(DateTimeOffset.UtcNow), actions.Recent.ToList(), actions.Total, policy);
    }

    // ---- destroy ----

    public async Task<int> DestroyAsync()
    {
        var open = board.OpenTasks.Select(t => t.Id).ToList();
        var cancelled = 0;
        foreach (var batch in open.Chunk(ReadConcurrency))
        {
            var results = await System.Threading.Tasks.Task.WhenAll(batch.Select(id => CallOrNull(id, t => t.Cancel("swarm destroyed"))));
            cancelled += results.Count(r => r is not null);
        }

        foreach (var batch in board.Entries.Select(e => e.Id).ToList().Chunk(ReadConcurrency))
        {
            await System.Threading.Tasks.Task.WhenAll(batch.Select(id => Task(id).Retire()));
        }

        await pages.ClearAsync();
        await actions.ClearAsync();
        return cancelled;
    }

    // ---- helpers ----

    public async Task FlushAsync()
    {
        await System.Threading.Tasks.Task.WhenAll(pages.WriteAsync(board, board.DirtyPages.ToList()), actions.FlushAsync());
    }

    private bool IsCompleted(string id) => board.TryGetEntry(id, out var e) && e.Finished && e.Status == TaskState.Completed;

    private IReadOnlyList<string> ResolveDependencies(IReadOnlyList<string> dependsOn, IReadOnlyDictionary<string, string>? batch, string? self, string parameter = "dependsOn")
    {
        var resolved = new List<string>();
        for (var i = 0; i < dependsOn.Count; i++)
        {
            var name = dependsOn[i];
            var id = batch is not null && batch.TryGetValue(name, out var inBatch) ? inBatch : name;
            if (id == self)
            {
                throw DomainException.Invalid($"{parameter}[{i}]", $"a task cannot depend on itself ('{name}')");
            }

            if (!board.TryGetEntry(id, out var entry))
            {
                throw new DomainException(ErrorKind.NotFound, $"{parameter}[{i}]: task '{name}' not found in swarm '{SwarmId}'", $"{parameter}[{i}]");
            }

            if (entry.Finished && entry.Status != TaskState.Completed)
            {
                throw DomainException.Invalid($"{parameter}[{i}]", $"task '{id}' already {entry.Status.ToString().ToLowerInvariant()}; a task depending on it could never run");
            }

            resolved.Add(id);
        }

        return resolved;
    }

    private void CheckOpenCapacity(int adding)
    {
        if (board.OpenCount + adding > TaskLimits.MaxOpenTasks)
        {
            throw new DomainException(ErrorKind.CapacityExceeded,
                $"swarm '{SwarmId}' has {board.OpenCount} open tasks; at most {TaskLimits.MaxOpenTasks} may be open at once", "swarmId");
        }
    }

    private TaskAssignment Assignment(NormalizedTask task, DateTimeOffset now)
    {
        if (swarm.Roster.Count == 0)
        {
            throw new DomainException(ErrorKind.Conflict, $"swarm '{SwarmId}' has no agents: spawn agents before orchestrating tasks (or queue it with assign=false)", "swarmId");
        }

        var roster = swarm.Roster;
        var eligible = roster.Agents
            .Where(a => TaskRouter.HasCapabilities(a.Capabilities, task.RequiredCapabilities) && (task.AllowedAgents is null || task.AllowedAgents.Contains(a.Id)))
            .Select(a => roster.Candidate(a, board.WorkOf(a.Id))).ToList();
        var (decision, chosen) = swarm.Route(new TaskRouting(TaskRouting.TextOf(task.Description), task.Priority, task.RequiredCapabilities), eligible, task.AgentCount);
        if (chosen.Count == 0)
        {
            throw new DomainException(ErrorKind.Conflict,
                $"no agent in swarm '{SwarmId}' has all required capabilities ({string.Join(", ", task.RequiredCapabilities)})", "requiredCapabilities");
        }

        return new TaskAssignment(chosen, now.AddSeconds(task.LeaseSeconds), decision, AssignmentKind.Assigned, null, 0) { LeaseSeconds = task.LeaseSeconds };
    }

    private TaskCreation Creation(NormalizedTask t, long sequence, IReadOnlyList<string> dependencies, DateTimeOffset now, TaskAssignment? assignment) =>
        new(SwarmId, sequence, t.Description, t.Priority, t.Strategy, t.RequiredCapabilities, dependencies, t.AllowedAgents, t.MaxAttempts, t.Key, t.RequestId, now, assignment)
        {
            LeaseSeconds = t.LeaseSeconds,
        };

    /// <summary>Writes the new entries' pages and creates the task grains together; on failure forgets them all.</summary>
    private async Task<IReadOnlyList<TaskSnapshot>> CreateAsync(IReadOnlyList<(string Id, TaskCreation Creation)> creations)
    {
        var pageWrite = pages.WriteAsync(board, board.DirtyPages.ToList());
        var created = creations.Chunk(ReadConcurrency).Select(async batch =>
            await System.Threading.Tasks.Task.WhenAll(batch.Select(c => Task(c.Id).Create(c.Creation)))).ToList();
        try
        {
            await System.Threading.Tasks.Task.WhenAll(created.Append(pageWrite));
        }
        catch
        {
            foreach (var (id, _) in creations)
            {
                board.Drop(id);
            }

            try
            {
                await pages.WriteAsync(board, board.DirtyPages.ToList());
            }
            catch (Exception e)
            {
                swarm.Logger.LogWarning(e, "Swarm {SwarmId}: could not drop failed creations from the index; the next activation will", SwarmId);
            }

            throw;
        }

        var now = DateTimeOffset.UtcNow;
        var snapshots = created.SelectMany(c => c.Result).ToList();
        foreach (var snapshot in snapshots)
        {
            board.Apply(snapshot, now);
        }

        return snapshots;
    }

    private TaskSnapshot RequireOpen(string taskId)
    {
        if (!board.TryGetEntry(taskId, out var entry))
        {
            throw TaskNotFound(taskId);
        }

        if (entry.Finished)
        {
            throw new DomainException(ErrorKind.Conflict, $"task '{taskId}' already finished ({entry.Status.ToString().ToLowerInvariant()})", "taskId");
        }

        var task = board.OpenTask(taskId) ?? throw new DomainException(ErrorKind.Unavailable, $"task '{taskId}' is being recovered; try again");
        if (board.StatusOf(taskId) == TaskState.Blocked)
        {
            throw new DomainException(ErrorKind.Conflict, $"task '{taskId}' is blocked: waiting for {string.Join(", ", board.BlockedBy(taskId))}", "taskId");
        }

        return task;
    }

    private DomainException TaskNotFound(string taskId) => new(ErrorKind.NotFound, $"task '{taskId}' not found in swarm '{SwarmId}'", "taskId");

    private TaskRouting RoutingOf(TaskSnapshot task) =>
        board.TryGetEntry(task.Id, out var e) ? TaskRouting.Of(e) : new TaskRouting(TaskRouting.TextOf(task.Description), task.Priority, task.RequiredCapabilities);

    private TaskInfo Info(TaskSnapshot s, RoutingDecision? routing) => new()
    {
        Id = s.Id,
        SwarmId = SwarmId,
        Description = s.Description,
        Priority = s.Priority,
        Status = s.IsFinished ? s.Status : board.StatusOf(s.Id),
        StatusReason = board.BlockedBy(s.Id) is { Count: > 0 } b && !s.IsFinished ? "waiting for " + string.Join(", ", b) : s.StatusReason,
        AssignedAgents = s.Holders,
        DependsOn = s.DependsOn,
        BlockedBy = s.IsFinished ? [] : board.BlockedBy(s.Id),
        RequiredCapabilities = s.RequiredCapabilities,
        Attempt = s.Attempt,
        MaxAttempts = s.MaxAttempts,
        LeaseExpiresAt = s.LeaseExpiresAt,
        LastHeartbeat = s.LastHeartbeat,
        CreatedAt = s.CreatedAt,
        FinishedAt = s.FinishedAt,
        Routing = routing,
        RequestId = s.RequestId,
        Key = s.Key,
        CreditedAgent = s.CreditedAgent,
    };

    /// <summary>A task grain's view with what only the swarm knows: Blocked and what it waits for.</summary>
    private TaskInfo Overlay(TaskInfo info)
    {
        var status = board.StatusOf(info.Id);
        if (info.Status != TaskState.Pending || status != TaskState.Blocked)
        {
            return info;
        }

        var blockedBy = board.BlockedBy(info.Id);
        return info with { Status = TaskState.Blocked, BlockedBy = blockedBy, StatusReason = "waiting for " + string.Join(", ", blockedBy) };
    }

    private async Task<IReadOnlyList<TaskSnapshot>> ReadAsync(IReadOnlyList<string> ids)
    {
        var result = new List<TaskSnapshot>();
        foreach (var batch in ids.Chunk(ReadConcurrency))
        {
            result.AddRange(await System.Threading.Tasks.Task.WhenAll(batch.Select(id => Task(id).GetSnapshot())));
        }

        return result;
    }

    /// <summary>Reads back tasks whose last call failed, so what the swarm reports matches what the tasks say.</summary>
    public Task RefreshAsync() => ResyncSuspectsAsync();

    private async Task ResyncSuspectsAsync()
    {
        if (_suspect.Count > 0)
        {
            await ResyncAsync(_suspect.ToList());
        }
    }

    private async Task ResyncAsync(IReadOnlyList<string> ids)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var snapshot in await ReadAsync(ids))
        {
            _suspect.Remove(snapshot.Id);
            if (!snapshot.Exists)
            {
                board.Drop(snapshot.Id);
            }
            else if (board.Apply(snapshot, now))
            {
                await AfterFinishAsync(snapshot.Id, now);
            }
        }

        await FlushAsync();
    }

    /// <summary>
    /// A call to a task grain. If it fails other than by the task's own rules, the task may or may not have
    /// changed: it is read back before the swarm decides anything about it again.
    /// </summary>
    private async Task<T> Call<T>(string id, Func<ITaskGrain, Task<T>> call)
    {
        try
        {
            return await call(Task(id));
        }
        catch (DomainException e) when (e.Kind == ErrorKind.InvalidArgument)
        {
            throw; // the request broke a rule; the task did not change
        }
        catch
        {
            _suspect.Add(id); // a refusal may mean our copy is stale; a lost answer may hide a change
            throw;
        }
    }

    private async Task<TaskSnapshot?> CallOrNull(string id, Func<ITaskGrain, Task<TaskSnapshot>> call)
    {
        try
        {
            return await Call(id, call);
        }
        catch (DomainException e) when (e.Kind is ErrorKind.Conflict or ErrorKind.NotFound)
        {
            return null;
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            swarm.Logger.LogWarning(e, "Swarm {SwarmId}: task {TaskId} did not answer; it will be read back", SwarmId, id);
            return null;
        }
    }
}
