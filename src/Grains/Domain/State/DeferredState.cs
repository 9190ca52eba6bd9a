using Orleans.Storage;

namespace SwarmCluster.Grains.State;

/// <summary>
/// A grain state row read when the grain asks (<see cref="ReadStateAsync()"/>), not on every activation as a
/// <c>[PersistentState]</c> facet is. A grain whose main row was never written has no other rows, so a brand-new
/// grain can skip those reads: each one is a database round trip on the path of the call that creates it.
/// Until read, the row behaves as a missing one: an empty state and no version, so the first write inserts it.
/// </summary>
internal sealed class DeferredState<T>(IGrainStorage storage, string stateName, GrainId grainId) : IPersistentState<T>
    where T : new()
{
    private readonly GrainState<T> _row = new(new T());

    public T State
    {
        get => _row.State!;
        set => _row.State = value;
    }

    public string? Etag => _row.ETag;

    public bool RecordExists => _row.RecordExists;

    public async Task ReadStateAsync()
    {
        await storage.ReadStateAsync(stateName, grainId, _row);
        _row.State ??= new T();
    }

    public Task WriteStateAsync() => storage.WriteStateAsync(stateName, grainId, _row);

    public async Task ClearStateAsync()
    {
        await storage.ClearStateAsync(stateName, grainId, _row);
        _row.State ??= new T();
    }
}
