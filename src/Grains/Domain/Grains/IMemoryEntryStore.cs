using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains;

/// <summary>
/// Memory entries as one database row each (grain projects do not reference Hosting; Hosting implements this for
/// SQLite and PostgreSQL). A namespace is named by its memory grain key, which carries the tenant. Every call is one
/// transaction: its rows and request records are committed together or not at all.
/// <para>
/// Writes are fenced: an activation claims the namespace first (<see cref="ClaimAsync"/>), and a write made with a
/// fence that a later claim has replaced fails with <see cref="Orleans.Storage.InconsistentStateException"/> and changes
/// nothing, so a stale second activation cannot overwrite rows the current one has written.
/// </para>
/// </summary>
public interface IMemoryEntryStore
{
    /// <summary>
    /// Raises the namespace's epoch by one, committed before it returns: the fence for every write of this activation.
    /// A namespace never written has no epoch: with <paramref name="create"/> it gets epoch 1, without it nothing is
    /// stored and the fence has epoch 0, which the first write claims (and fails if another activation claimed first).
    /// Reads of a namespace nobody wrote therefore leave nothing behind.
    /// </summary>
    Task<MemoryFence> ClaimAsync(string grainKey, bool create = true, CancellationToken cancellationToken = default);

    /// <summary>Every entry of the namespace and its remembered store requests (oldest first).</summary>
    Task<MemoryRows> LoadAsync(string grainKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="changes"/> in one transaction: delete-all, deletes, upserts, then request records.
    /// Returns the fence for the next write (epoch 1 once a write has claimed a new namespace).
    /// </summary>
    Task<MemoryFence> WriteAsync(MemoryFence fence, MemoryRowChanges changes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts entries and request records that have no row yet, leaving existing rows as they are: moving a namespace
    /// out of its old whole-namespace state row may run again after a crash without changing anything.
    /// </summary>
    Task<MemoryFence> ImportAsync(MemoryFence fence, IReadOnlyDictionary<string, MemoryRecord> entries, IReadOnlyList<MemoryRequestRecord> requests,
        CancellationToken cancellationToken = default);
}

/// <summary>The epoch an activation claimed for the namespace <paramref name="GrainKey"/>; its writes succeed only while the epoch is still current.</summary>
public sealed record MemoryFence(string GrainKey, long Epoch);

/// <summary>A namespace as stored.</summary>
public sealed record MemoryRows(IReadOnlyList<KeyValuePair<string, MemoryRecord>> Entries, IReadOnlyList<MemoryRequestRecord> Requests);

/// <summary>One entry's new version (its <see cref="MemoryRecord.RequestId"/> names the store request that wrote it, if any).</summary>
public sealed record MemoryRowUpsert(string Key, MemoryRecord Record);

/// <summary>What one write changes. Only the most recent <c>MemoryLimits.RememberedRequests</c> request records are kept.</summary>
public sealed record MemoryRowChanges(
    bool DeleteAll, IReadOnlyCollection<string> Deletes, IReadOnlyList<MemoryRowUpsert> Upserts, IReadOnlyList<MemoryRequestRecord> Requests)
{
    public bool IsEmpty => !DeleteAll && Deletes.Count == 0 && Upserts.Count == 0 && Requests.Count == 0;
}
