using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains.Tasks;

/// <summary>
/// A swarm's task graph and queue, in memory. Every task has an index entry (stored in pages of
/// <see cref="PageSize"/>); open tasks also have the facts their grain holds (<see cref="TaskSnapshot"/>), from
/// which everything else is derived rather than stored twice:
/// <list type="bullet">
/// <item>blocked/pending: a stored-pending task is blocked while a dependency is not completed;</item>
/// <item>the ready queue: pending, unblocked tasks by priority (critical first), then creation order;</item>
/// <item>agent status and metrics: from who holds open tasks and how every hold ended;</item>
/// <item>task counts: from the entries and the open tasks.</item>
/// </list>
/// Counts and agent work are kept up to date as tasks change (a status per task, each agent's open tasks, what finished
/// holds add up to per agent), so a call costs what it changes, not what the swarm holds: a claim in a swarm with
/// 10,000 queued tasks used to spend most of its time recounting them, and a task_orchestrate with thousands of held
/// tasks re-summed every agent's work from all of them.
/// The board decides nothing that needs I/O: the swarm grain asks it, calls the task grains, and hands the
/// resulting snapshots back with <see cref="Apply"/>.
/// </summary>
internal sealed class TaskBoard
{
    public const int PageSize = 64;

    private readonly Dictionary<string, TaskIndexEntry> _entries = new(StringComparer.Ordinal);
    // The same entries by page and sequence: a page write reads its own entries, not the whole board.
    private readonly Dictionary<int, SortedList<long, TaskIndexEntry>> _pages = [];
    private readonly Dictionary<string, TaskSnapshot> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _dependents = new(StringComparer.Ordinal);
    private readonly SortedSet<ReadyKey> _ready = new();
    private readonly Dictionary<string, DateTimeOffset> _readySince = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _claimRequests = new(StringComparer.Ordinal);
    private readonly HashSet<int> _dirtyPages = [];

    // The status each task is counted under, and the counts by status (TaskState as index).
    private readonly Dictionary<string, TaskState> _countedAs = new(StringComparer.Ordinal);
    private readonly int[] _counts = new int[Enum.GetValues<TaskState>().Max(s => (int)s) + 1];

    // Open tasks that someone holds or held: the only open ones agent work and lease expiry look at.
    private readonly HashSet<string> _heldOpen = new(StringComparer.Ordinal);

    // What finished tasks' holds add up to per agent; null when it must be summed again (a finished task changed or left).
    private Dictionary<string, AgentWork>? _finishedWork = new(StringComparer.Ordinal);

    // The open tasks each agent holds or held, in creation order, and each agent's work as last summed from them and
    // its finished work: a task's change drops only the sums of the agents on it.
    private readonly Dictionary<string, SortedSet<(long Sequence, string Id)>> _openOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AgentWork> _work = new(StringComparer.Ordinal);

    private readonly record struct ReadyKey(int Priority, long Sequence, string Id) : IComparable<ReadyKey>
    {
        public int CompareTo(ReadyKey other)
        {
            var byPriority = other.Priority.CompareTo(Priority); // higher priority first
            return byPriority != 0 ? byPriority : Sequence != other.Sequence ? Sequence.CompareTo(other.Sequence) : string.CompareOrdinal(Id, other.Id);
        }
    }

    public long NextSequence { get; private set; }

    public int OpenCount => _open.Count;

    public int Count => _entries.Count;

    public IEnumerable<TaskIndexEntry> Entries => _entries.Values;

    public IReadOnlyCollection<int> DirtyPages => _dirtyPages;

    public static int PageOf(long sequence) => (int)(sequence / PageSize);

    /// <summary>Index entries as loaded from the pages; open tasks stay unknown until <see cref="Apply"/>.</summary>
    public void Load(IEnumerable<TaskIndexEntry> entries)
    {
        foreach (var entry in entries)
        {
            Index(entry);
            NextSequence = Math.Max(NextSequence, entry.Sequence + 1);
            foreach (var request in entry.ClaimRequestIds)
            {
                _claimRequests[request] = entry.Id;
            }

            Recount(entry.Id);
        }

        ForgetFinishedWork();
    }

    private void Index(TaskIndexEntry entry)
    {
        if (_entries.Remove(entry.Id, out var replaced))
        {
            _pages[PageOf(replaced.Sequence)].Remove(replaced.Sequence);
        }

        _entries[entry.Id] = entry;
        var page = PageOf(entry.Sequence);
        if (!_pages.TryGetValue(page, out var entries))
        {
            _pages[page] = entries = [];
        }

        entries[entry.Sequence] = entry;
    }

    public IReadOnlyList<TaskIndexEntry> EntriesOnPage(int page) =>
        _pages.TryGetValue(page, out var entries) ? entries.Values.ToList() : [];

    public void MarkWritten(IEnumerable<int> pages)
    {
        foreach (var page in pages.ToList())
        {
            _dirtyPages.Remove(page);
        }
    }

    public long ReserveSequence() => NextSequence++;

    public bool TryGetEntry(string id, out TaskIndexEntry entry) => _entries.TryGetValue(id, out entry!);

    public TaskSnapshot? OpenTask(string id) => _open.GetValueOrDefault(id);

    public IEnumerable<TaskSnapshot> OpenTasks => _open.Values;

    public string? TaskOfClaimRequest(string requestId) => _claimRequests.GetValueOrDefault(requestId);

    /// <summary>A new task's entry (open). Its grain is created next; if that fails the entry is dropped.</summary>
    public TaskIndexEntry Add(string id, long sequence, DateTimeOffset createdAt, string text, TaskPriority priority,
        IReadOnlyList<string> capabilities, IReadOnlyList<string> dependsOn, string? requestId, string? key)
    {
        var entry = new TaskIndexEntry
        {
            Id = id,
            Sequence = sequence,
            CreatedAt = createdAt,
            Text = text,
            Priority = priority,
            RequiredCapabilities = capabilities.ToList(),
            DependsOn = dependsOn.ToList(),
            RequestId = requestId,
            Key = key,
            Status = TaskState.Pending,
        };
        Index(entry);
        NextSequence = Math.Max(NextSequence, sequence + 1);
        _dirtyPages.Add(PageOf(sequence));
        Recount(id);
        return entry;
    }

    /// <summary>Forgets a task whose grain does not exist (its creation never finished, so it was never acknowledged).</summary>
    public void Drop(string id)
    {
        RemoveOpen(id);
        if (_entries.Remove(id, out var entry))
        {
            _pages[PageOf(entry.Sequence)].Remove(entry.Sequence);
            _dirtyPages.Add(PageOf(entry.Sequence));
            if (entry.Finished)
            {
                ForgetFinishedWork();
            }
        }

        Recount(id);
    }

    /// <summary>Takes a task's facts as its grain reported them. Returns true when this finished the task.</summary>
    public bool Apply(TaskSnapshot snapshot, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(snapshot.Id, out var entry))
        {
            return false;
        }

        foreach (var request in snapshot.ClaimRequestIds)
        {
            _claimRequests[request] = snapshot.Id;
        }

        if (snapshot.IsFinished)
        {
            var wasOpen = !entry.Finished;
            if (!wasOpen)
            {
                ForgetFinishedWork(); // its holds are replaced: sum again rather than subtract
            }

            Finish(entry, snapshot);
            RemoveOpen(snapshot.Id);
            Recount(snapshot.Id);
            if (wasOpen && _finishedWork is not null)
            {
                AgentWork.CountFinished(_finishedWork, entry);
                foreach (var hold in entry.Holds)
                {
                    _work.Remove(hold.AgentId);
                }
            }

            // Dependents may be ready now (or must be cancelled: the swarm asks OpenDependents).
            if (_dependents.TryGetValue(snapshot.Id, out var dependents))
            {
                foreach (var dependent in dependents.ToList())
                {
                    Refresh(dependent, now);
                }
            }

            return wasOpen;
        }

        var isNew = !_open.TryGetValue(snapshot.Id, out var before);
        _open[snapshot.Id] = snapshot;
        if (before is not null)
        {
            IndexWork(before, add: false);
        }

        IndexWork(snapshot, add: true);
        if (snapshot.Holders.Count > 0 || snapshot.Holds.Count > 0)
        {
            _heldOpen.Add(snapshot.Id);
        }
        else
        {
            _heldOpen.Remove(snapshot.Id);
        }

        if (isNew)
        {
            foreach (var dependency in snapshot.DependsOn)
            {
                if (!_dependents.TryGetValue(dependency, out var set))
                {
                    _dependents[dependency] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(snapshot.Id);
            }
        }

        Refresh(snapshot.Id, now);
        return false;
    }

    /// <summary>The status callers see: stored status, with Blocked derived from the dependencies.</summary>
    public TaskState StatusOf(string id)
    {
        if (_open.TryGetValue(id, out var open))
        {
            return open.Status == TaskState.Pending && BlockedBy(open).Count > 0 ? TaskState.Blocked : open.Status;
        }

        return _entries.TryGetValue(id, out var entry) ? entry.Status : TaskState.Pending;
    }

    public IReadOnlyList<string> BlockedBy(string id) => _open.TryGetValue(id, out var open) ? BlockedBy(open) : [];

    private List<string> BlockedBy(TaskSnapshot task) => task.DependsOn.Where(d => !IsCompleted(d)).ToList();

    private bool IsCompleted(string id) => _entries.TryGetValue(id, out var e) && e.Finished && e.Status == TaskState.Completed;

    /// <summary>A dependency that failed or was cancelled: the dependent can never run.</summary>
    public string? DeadDependency(TaskSnapshot task) =>
        task.DependsOn.FirstOrDefault(d => _entries.TryGetValue(d, out var e) && e.Finished && e.Status != TaskState.Completed);

    /// <summary>Open tasks that (transitively) depend on the given one, in creation order.</summary>
    public IReadOnlyList<string> OpenDependents(string id)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(id);
        while (stack.Count > 0)
        {
            if (!_dependents.TryGetValue(stack.Pop(), out var next))
            {
                continue;
            }

            foreach (var dependent in next)
            {
                if (_open.ContainsKey(dependent) && found.Add(dependent))
                {
                    stack.Push(dependent);
                }
            }
        }

        return found.OrderBy(d => _entries[d].Sequence).ToList();
    }

    /// <summary>Ready tasks, highest priority first, then oldest first.</summary>
    public IEnumerable<TaskSnapshot> Ready() => _ready.Select(k => _open[k.Id]);

    public DateTimeOffset? ReadySince(string id) => _readySince.TryGetValue(id, out var at) ? at : null;

    /// <summary>Held tasks whose lease has run out.</summary>
    public IReadOnlyList<TaskSnapshot> ExpiredLeases(DateTimeOffset now) =>
        _heldOpen.Select(id => _open[id]).Where(t => t.Holders.Count > 0 && t.LeaseExpiresAt is { } lease && lease <= now).OrderBy(t => SequenceOf(t.Id)).ToList();

    public bool HasHeldTasks => _heldOpen.Any(id => _open[id].Holders.Count > 0);

    public TaskCounts Counts() => new(
        _counts[(int)TaskState.Pending], _counts[(int)TaskState.Assigned], _counts[(int)TaskState.InProgress],
        _counts[(int)TaskState.Completed], _counts[(int)TaskState.Failed], _counts[(int)TaskState.Cancelled], _counts[(int)TaskState.Blocked]);

    public QueueCounts Queue()
    {
        var c = Counts();
        return new QueueCounts(_ready.Count, c.Blocked, c.Assigned, c.InProgress);
    }

    /// <summary>What an agent holds now and how its holds ended, from the task records.</summary>
    public AgentWork WorkOf(string agentId)
    {
        _finishedWork ??= AgentWork.SumFinished(_entries.Values);
        if (_work.TryGetValue(agentId, out var work))
        {
            return work;
        }

        var finished = _finishedWork.GetValueOrDefault(agentId);
        if (!_openOf.TryGetValue(agentId, out var open) && finished is null)
        {
            return AgentWork.None;
        }

        return _work[agentId] = AgentWork.Sum(agentId, finished, open?.Select(o => _open[o.Id]) ?? []);
    }

    /// <summary>Files an open task under (or takes it from) the agents that hold or held it; their sums are dropped.</summary>
    private void IndexWork(TaskSnapshot task, bool add)
    {
        foreach (var agent in task.Holders.Concat(task.Holds.Select(h => h.AgentId)).Distinct(StringComparer.Ordinal))
        {
            _work.Remove(agent);
            if (add)
            {
                if (!_openOf.TryGetValue(agent, out var tasks))
                {
                    _openOf[agent] = tasks = [];
                }

                tasks.Add((task.Sequence, task.Id));
            }
            else if (_openOf.TryGetValue(agent, out var tasks) && tasks.Remove((task.Sequence, task.Id)) && tasks.Count == 0)
            {
                _openOf.Remove(agent);
            }
        }
    }

    private void ForgetFinishedWork()
    {
        _finishedWork = null;
        _work.Clear();
    }

    /// <summary>Finished tasks' reported holds, oldest first: what the routing network learns from.</summary>
    public IEnumerable<(TaskIndexEntry Task, TaskHold Hold)> ReportedHolds() =>
        _entries.Values.Where(e => e.Finished).OrderBy(e => e.FinishedAt).ThenBy(e => e.Sequence)
            .SelectMany(e => e.Holds.Where(h => h.Outcome is HoldOutcome.Completed or HoldOutcome.Failed).Select(h => (e, h)));

    /// <summary>
    /// The longest chain of unfinished tasks linked by dependencies. Dependencies always have lower sequence
    /// numbers (a task can only depend on tasks that exist, and batches are numbered in dependency order), so one
    /// pass in sequence order finds it.
    /// </summary>
    public IReadOnlyList<string> CriticalPath()
    {
        var length = new Dictionary<string, int>(StringComparer.Ordinal);
        var previous = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var task in _open.Values.OrderBy(t => SequenceOf(t.Id)))
        {
            var best = 0;
            string? from = null;
            foreach (var dependency in task.DependsOn)
            {
                if (length.TryGetValue(dependency, out var l) && (l > best || (l == best && from is not null && _entries[dependency].Sequence < _entries[from].Sequence)))
                {
                    best = l;
                    from = dependency;
                }
            }

            length[task.Id] = best + 1;
            previous[task.Id] = from;
        }

        if (length.Count == 0)
        {
            return [];
        }

        var end = length.OrderByDescending(kv => kv.Value).ThenBy(kv => _entries[kv.Key].Sequence).First().Key;
        var path = new List<string>();
        for (string? at = end; at is not null; at = previous[at])
        {
            path.Add(at);
        }

        path.Reverse();
        return path;
    }

    private long SequenceOf(string id) => _entries.TryGetValue(id, out var e) ? e.Sequence : _open.TryGetValue(id, out var t) ? t.Sequence : 0;

    private void Finish(TaskIndexEntry entry, TaskSnapshot snapshot)
    {
        entry.Finished = true;
        entry.Status = snapshot.Status;
        entry.FinishedAt = snapshot.FinishedAt;
        entry.Holds = snapshot.Holds.ToList();
        entry.CreditedAgent = snapshot.CreditedAgent;
        entry.Quality = snapshot.Quality;
        entry.StatusReason = snapshot.StatusReason;
        entry.ClaimRequestIds = snapshot.ClaimRequestIds.ToList();
        if (entry.DependsOn.Count == 0 && snapshot.DependsOn.Count > 0)
        {
            entry.DependsOn = snapshot.DependsOn.ToList();
        }

        _dirtyPages.Add(PageOf(entry.Sequence));
    }

    private void RemoveOpen(string id)
    {
        if (_open.Remove(id, out var task))
        {
            IndexWork(task, add: false);
            _heldOpen.Remove(id);
            _ready.Remove(new ReadyKey((int)task.Priority, SequenceOf(id), id));
            _readySince.Remove(id);
            foreach (var dependency in task.DependsOn)
            {
                if (_dependents.TryGetValue(dependency, out var set))
                {
                    set.Remove(id);
                    if (set.Count == 0)
                    {
                        _dependents.Remove(dependency);
                    }
                }
            }
        }
    }

    private void Refresh(string id, DateTimeOffset now)
    {
        if (!_open.TryGetValue(id, out var task))
        {
            return;
        }

        // Keyed by the entry's sequence: rows migrated from before the index carry none of their own.
        var key = new ReadyKey((int)task.Priority, SequenceOf(id), id);
        if (task.Status == TaskState.Pending && BlockedBy(task).Count == 0)
        {
            if (_ready.Add(key))
            {
                _readySince[id] = now;
            }
        }
        else
        {
            _ready.Remove(key);
            _readySince.Remove(id);
        }

        Recount(id);
    }

    /// <summary>Moves a task to the count of the status it shows now (or out of the counts when it is gone).</summary>
    private void Recount(string id)
    {
        TaskState? now = _entries.TryGetValue(id, out var entry) ? entry.Finished ? entry.Status : StatusOf(id) : null;
        var before = _countedAs.TryGetValue(id, out var b) ? b : (TaskState?)null;
        if (before == now)
        {
            return;
        }

        if (before is { } old)
        {
            _counts[(int)old]--;
            _countedAs.Remove(id);
        }

        if (now is { } current)
        {
            _counts[(int)current]++;
            _countedAs[id] = current;
        }
    }
}

/// <summary>What one agent holds and has done, derived from the task records.</summary>
internal sealed class AgentWork
{
    public static readonly AgentWork None = new();

    public List<string> OpenTaskIds { get; } = [];
    public int Holds { get; private set; }
    public int Completed { get; private set; }
    public int Failed { get; private set; }
    public int Expired { get; private set; }
    public List<double> Durations { get; } = [];
    public double QualitySum { get; private set; }
    public int QualityCount { get; private set; }
    public DateTimeOffset? LastActivity { get; private set; }

    /// <summary>Reported holds (completed or failed): the agent's experience, which decays its exploration bonus.</summary>
    public int Reported => Completed + Failed;

    /// <summary>What finished tasks' holds add up to, per agent.</summary>
    public static Dictionary<string, AgentWork> SumFinished(IEnumerable<TaskIndexEntry> entries)
    {
        var work = new Dictionary<string, AgentWork>(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => e.Finished))
        {
            CountFinished(work, entry);
        }

        return work;
    }

    public static void CountFinished(Dictionary<string, AgentWork> work, TaskIndexEntry entry)
    {
        foreach (var hold in entry.Holds)
        {
            (work.TryGetValue(hold.AgentId, out var w) ? w : work[hold.AgentId] = new AgentWork()).Count(hold);
        }
    }

    /// <summary>One agent's work: the open tasks it holds or held (in creation order), then its finished work.</summary>
    public static AgentWork Sum(string agent, AgentWork? finished, IEnumerable<TaskSnapshot> open)
    {
        var work = new AgentWork();
        foreach (var task in open)
        {
            if (task.Holders.Contains(agent, StringComparer.Ordinal))
            {
                work.OpenTaskIds.Add(task.Id);
            }

            foreach (var hold in task.Holds)
            {
                if (hold.AgentId == agent)
                {
                    work.Count(hold);
                }
            }
        }

        if (finished is not null)
        {
            work.Add(finished);
        }

        return work;
    }

    private void Add(AgentWork other)
    {
        Holds += other.Holds;
        Completed += other.Completed;
        Failed += other.Failed;
        Expired += other.Expired;
        Durations.AddRange(other.Durations);
        QualitySum += other.QualitySum;
        QualityCount += other.QualityCount;
        if (other.LastActivity is { } end)
        {
            LastActivity = LastActivity is { } last && last > end ? last : end;
        }
    }

    private void Count(TaskHold hold)
    {
        Holds++;
        var end = hold.EndedAt ?? hold.StartedAt;
        LastActivity = LastActivity is { } last && last > end ? last : end;
        switch (hold.Outcome)
        {
            case HoldOutcome.Completed or HoldOutcome.Failed:
                if (hold.Outcome == HoldOutcome.Completed)
                {
                    Completed++;
                }
                else
                {
                    Failed++;
                }

                if (hold.EndedAt is { } ended)
                {
                    Durations.Add((ended - hold.StartedAt).TotalMilliseconds);
                }

                if (hold.Quality is { } q && double.IsFinite(q))
                {
                    QualitySum += q;
                    QualityCount++;
                }

                break;
            case HoldOutcome.Expired:
                Expired++;
                break;
        }
    }
}
