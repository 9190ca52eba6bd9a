using Microsoft.Extensions.Logging;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Tasks;

/// <summary>
/// Creating tasks: one, or a batch that depends on itself by key (all or nothing, cycles refused). A task ready at
/// once and asked to be assigned is routed and assigned with a lease (task_orchestrate's ruv-swarm behaviour);
/// every other task waits in the queue. The index entry and the task grain are written together; if either
/// fails the entries are dropped (an entry whose grain never got written is dropped again on activation).
/// A repeated request id finds the task its first call created (the id is derived from it).
/// </summary>
internal sealed class TaskCreator(ISwarmContext swarm, TaskBoard board, TaskPageStore pages, TaskGrainCalls calls)
{
    private string SwarmId => swarm.SwarmId;

    /// <summary>The created task, or null with the id of the task a repeated request created before.</summary>
    public async Task<(TaskSnapshot? Created, string? Existing, RoutingDecision? Routing)> CreateOneAsync(TaskSpec spec)
    {
        var task = TaskSpecs.Normalize(spec, swarm.MaxAgents, swarm.Roster.Count);
        if (task.Key is not null)
        {
            throw DomainException.Invalid("key", "keys name tasks inside a batch; a single task depends on task ids");
        }

        var id = task.RequestId is { } r ? GrainKeys.TaskIdForRequest(SwarmId, r) : null;
        if (id is not null && board.TryGetEntry(id, out _))
        {
            return (null, id, null);
        }

        var dependencies = ResolveDependencies(task.DependsOn, batch: null, self: id);
        CheckOpenCapacity(1);
        await swarm.GrainFactory.ClaimSwarmAsync(SwarmId, swarm.Roster.Count, board.Count + 1); // the tenant's task quota
        var now = DateTimeOffset.UtcNow;
        var assignment = task.Assign && dependencies.All(IsCompleted) ? Assignment(task, now) : null;
        var sequence = board.ReserveSequence();
        id ??= GrainKeys.TaskId(SwarmId, sequence);
        board.Add(id, sequence, now, TaskFeatureEncoder.EncodedPart(task.Description), task.Priority, task.RequiredCapabilities, dependencies, task.RequestId, null);
        var created = await CreateAsync([(id, Creation(task, sequence, dependencies, now, assignment))]);
        return (created[0], null, assignment?.Routing);
    }

    /// <summary>The batch's tasks in the order given; a batch whose request ids all exist already is answered by their ids.</summary>
    public async Task<(IReadOnlyList<TaskSnapshot>? Created, IReadOnlyList<string> Ids)> CreateBatchAsync(IReadOnlyList<TaskSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
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

        if (tasks.All(t => t.RequestId is not null && board.TryGetEntry(GrainKeys.TaskIdForRequest(SwarmId, t.RequestId), out _)))
        {
            return (null, tasks.Select(t => GrainKeys.TaskIdForRequest(SwarmId, t.RequestId!)).ToList());
        }

        var order = TaskGraphs.TopologicalOrder(tasks.Select(t => (t.Key!, (IReadOnlyList<string>)t.DependsOn.Where(keys.ContainsKey).ToList())).ToList());
        CheckOpenCapacity(tasks.Count);
        await swarm.GrainFactory.ClaimSwarmAsync(SwarmId, swarm.Roster.Count, board.Count + tasks.Count);
        var now = DateTimeOffset.UtcNow;
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var sequences = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in order)
        {
            var t = tasks[keys[key]];
            var sequence = board.ReserveSequence(); // numbered in dependency order: dependencies always come first
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
                var assignment = t.Assign && dependencies.All(IsCompleted) ? Assignment(t, now) : null;
                board.Add(ids[key], sequences[key], now, TaskFeatureEncoder.EncodedPart(t.Description), t.Priority, t.RequiredCapabilities, dependencies, t.RequestId, key);
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

        var created = (await CreateAsync(creations)).ToDictionary(s => s.Id);
        var inOrder = tasks.Select(t => ids[t.Key!]).ToList();
        return (inOrder.Select(id => created[id]).ToList(), inOrder);
    }

    private bool IsCompleted(string id) => board.TryGetEntry(id, out var e) && e.Finished && e.Status == TaskState.Completed;

    private List<string> ResolveDependencies(IReadOnlyList<string> dependsOn, IReadOnlyDictionary<string, string>? batch, string? self, string parameter = "dependsOn")
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
        var (decision, chosen) = swarm.Route(new TaskText(task.Description, task.Priority, task.RequiredCapabilities), eligible, task.AgentCount);
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
        var byId = creations.ToDictionary(c => c.Id, c => c.Creation);
        var pageWrite = pages.WriteAsync(board, board.DirtyPages.ToList());
        var created = calls.ForEachAsync(byId.Keys.ToList(), id => calls.Task(id).Create(byId[id]));
        try
        {
            await Task.WhenAll(created, pageWrite);
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
        foreach (var snapshot in created.Result)
        {
            board.Apply(snapshot, now);
        }

        return created.Result;
    }
}
