using Microsoft.Extensions.Logging;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Tasks;

/// <summary>
/// The swarm's calls to its task grains. A call that fails other than by the task's own rules may or may not
/// have changed the task (a lost answer hides a write), and a refusal may mean the swarm's copy is stale: such a
/// task becomes suspect and is read back before the swarm decides anything about it again.
/// </summary>
internal sealed class TaskGrainCalls(IGrainFactory grains, string swarmId, ILogger logger)
{
    /// <summary>Task grains called at once by one fan-out (reads at activation, cancellations, listings).</summary>
    public const int Concurrency = 32;

    private readonly HashSet<string> _suspect = new(StringComparer.Ordinal);

    public ITaskGrain Task(string id) => grains.GetGrain<ITaskGrain>(id);

    public bool HasSuspects => _suspect.Count > 0;

    /// <summary>The suspect tasks, forgotten as suspects (the caller reads them back).</summary>
    public IReadOnlyList<string> TakeSuspects()
    {
        var ids = _suspect.ToList();
        _suspect.Clear();
        return ids;
    }

    public void Suspect(string id) => _suspect.Add(id);

    public async Task<T> Call<T>(string id, Func<ITaskGrain, Task<T>> call)
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
            _suspect.Add(id);
            throw;
        }
    }

    /// <summary>A change that may be refused (the task moved on) or not answered: null then, and the task is read back later.</summary>
    public async Task<TaskSnapshot?> CallOrNull(string id, Func<ITaskGrain, Task<TaskSnapshot>> call)
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
            logger.LogWarning(e, "Swarm {SwarmId}: task {TaskId} did not answer; it will be read back", swarmId, id);
            return null;
        }
    }

    /// <summary>The stored facts of many tasks, <see cref="Concurrency"/> at a time.</summary>
    public async Task<IReadOnlyList<TaskSnapshot>> ReadAsync(IReadOnlyList<string> ids)
    {
        var result = new List<TaskSnapshot>();
        foreach (var batch in ids.Chunk(Concurrency))
        {
            result.AddRange(await System.Threading.Tasks.Task.WhenAll(batch.Select(id => Task(id).GetSnapshot())));
        }

        return result;
    }

    /// <summary>The same call on many tasks, <see cref="Concurrency"/> at a time; results in order.</summary>
    public async Task<IReadOnlyList<T>> ForEachAsync<T>(IReadOnlyList<string> ids, Func<string, Task<T>> call)
    {
        var result = new List<T>();
        foreach (var batch in ids.Chunk(Concurrency))
        {
            result.AddRange(await System.Threading.Tasks.Task.WhenAll(batch.Select(call)));
        }

        return result;
    }
}
