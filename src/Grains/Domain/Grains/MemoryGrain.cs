using Orleans.Placement;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Contracts.Usage;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.State;
using SwarmCluster.Grains.Telemetry;

namespace SwarmCluster.Grains;

/// <summary>
/// One namespace of shared memory (key "ns-&lt;namespace&gt;").
/// <para>
/// Storage: every entry is one row (<see cref="IMemoryEntryStore"/>), so a write costs the same in a namespace of 10
/// entries as in one of 10,000; the grain state row keeps only the namespace's own facts (registered, owner, last
/// write). A write with Persist=true commits its entry's row, together with its request id, before answering
/// (Durable=true); if that write fails the entry is taken back and the caller gets the error. Plain writes and deletes
/// change grain memory only and answer Durable=false; a grain timer (<see cref="MemoryGrainOptions.FlushInterval"/>,
/// 1 s by default) writes the changed rows behind (upserts and deletes, one transaction), and so do Flush and
/// deactivation. A silo crash can lose up to one interval of plain writes; persisted ones are never lost. Expired
/// entries are invisible at once and purged (the purge is written behind like a delete).
/// </para>
/// <para>
/// Reads are served from a copy of the namespace loaded on activation with one query: list and search look at every
/// entry anyway, and the copy is what one old whole-namespace row held, so loading lazily would only move that cost
/// into the first search. A namespace still in the old form (entries inside the state row) is moved to rows on
/// activation, before any call is served: rows are inserted where missing, then the state row is written without
/// them, so a crash in between repeats an insert that changes nothing.
/// </para>
/// <para>
/// Fencing: entry rows carry no version, so each activation first claims the namespace's epoch
/// (<see cref="IMemoryEntryStore.ClaimAsync"/>; a namespace nobody wrote is claimed by its first write, so reads
/// store nothing) and every row write checks it in the same transaction. A stale second
/// activation (possible for moments while cluster membership changes) then answers a Conflict instead of overwriting
/// the newer activation's acknowledged writes, and deactivates so the next call reaches the current one.
/// </para>
/// <para>
/// Every value is checked before it is kept: valid JSON, nested at most <see cref="InputLimits.MaxValueDepth"/>
/// deep, valid Unicode, so whatever is stored can be read back by every tool and transport.
/// </para>
/// </summary>
// Activation-count placement: the least-loaded worker gets new activations (the default piles them on one silo).
[GrainType("memory"), WorkerPlacement, ActivationCountBasedPlacement]
public sealed class MemoryGrain(
    [PersistentState(StorageNames.Memory, StorageNames.Provider)] IPersistentState<MemoryGrainState> state,
    IMemoryEntryStore store,
    IOptions<MemoryGrainOptions> options,
    ILogger<MemoryGrain> logger) : Grain, IMemoryGrain, IIncomingGrainCallFilter
{
    public const int MaxMetadataEntries = 32;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 1024;

    private readonly Dictionary<string, MemoryRecord> _entries = new(StringComparer.Ordinal);
    // Remembered store requests, oldest first (at most MemoryLimits.RememberedRequests).
    private readonly List<MemoryRequestRecord> _requests = [];
    private long _totalBytes;
    // The earliest expiry among the entries: nothing needs scanning before then.
    private DateTimeOffset? _nextExpiry;
    private OnDemandTimer _tick = null!;

    // Not yet in the database: keys whose current version is pending, deleted keys, request records, a Clear,
    // and the state row's own facts (_registrationUnwritten: Registered/Owner, which a persisted write must not outlive).
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deleted = new(StringComparer.Ordinal);
    private readonly List<MemoryRequestRecord> _newRequests = [];
    private bool _deleteAll;
    private bool _stateDirty;
    private bool _registrationUnwritten;

    // This activation's claim on the namespace: every row write is checked against it.
    private MemoryFence? _fence;
    // Set once a write found a newer activation: this one writes nothing more, not even on deactivation.
    private bool _superseded;

    // Bytes last claimed from or reported to the tenant's usage grain; -1 until the first claim of this activation.
    private long _reportedBytes = -1;

    private bool Dirty => _pending.Count > 0 || _deleted.Count > 0 || _newRequests.Count > 0 || _deleteAll || _stateDirty;

    private string GrainKey => this.GetPrimaryKeyString();

    private MemoryFence Fence => _fence ?? throw new InvalidOperationException("The memory namespace is written before its activation claimed it.");

    /// <summary>The namespace as its clients name it; a named tenant's grain key also carries the tenant.</summary>
    private string Namespace => this.GetPrimaryKeyString() is { } key && key.StartsWith(GrainKeys.MemoryPrefix, StringComparison.Ordinal)
        ? GrainKeys.ParseMemory(key).Namespace
        : throw DomainException.Invalid("namespace", $"memory grain key '{this.GetPrimaryKeyString()}' must start with '{GrainKeys.MemoryPrefix}'");

    private string Tenant => GrainKeys.ParseMemory(this.GetPrimaryKeyString()).Tenant;

    /// <summary>1..64 characters: letters, digits and - _ . : /</summary>
    public static string CheckNamespace(string? memoryNamespace)
    {
        if (string.IsNullOrEmpty(memoryNamespace))
        {
            throw DomainException.Invalid("namespace", "must not be empty");
        }

        if (memoryNamespace.Length > MemoryLimits.MaxNamespaceLength)
        {
            throw DomainException.Invalid("namespace", $"must be at most {MemoryLimits.MaxNamespaceLength} characters (got {memoryNamespace.Length})");
        }

        if (memoryNamespace.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/')))
        {
            throw DomainException.Invalid("namespace", "may contain only letters, digits and - _ . : /");
        }

        return memoryNamespace;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Claimed before the first read: a stale activation's writes committed before this point are loaded, later ones fail.
        // A namespace nobody wrote is not claimed until its first write: a read stores nothing.
        _fence = await store.ClaimAsync(GrainKey, create: false, cancellationToken);
        await MoveOldEntriesAsync(cancellationToken);
        var rows = await store.LoadAsync(GrainKey, cancellationToken);
        foreach (var (key, record) in rows.Entries)
        {
            _entries[key] = record;
            _totalBytes += record.SizeBytes;
            NoteExpiry(record);
        }

        _requests.AddRange(rows.Requests);

        // The loaded entries count while this activation holds them; OnDeactivateAsync takes them back out.
        SwarmMetrics.RecordMemoryHeld(_entries.Count, _totalBytes);
        _tick = OnDemandTimer.Register(this, WriteBehindAsync, options.Value.FlushInterval, () => TickNeeded);
    }

    /// <summary>Every call to the namespace: afterwards, start the tick if the call left writes pending or an expiry.</summary>
    async Task IIncomingGrainCallFilter.Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        finally
        {
            _tick.Arm();
        }
    }

    /// <summary>What the write-behind tick looks after: writes to store, entries to expire.</summary>
    private bool TickNeeded => (Dirty && !_superseded) || _nextExpiry is not null;

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        SwarmMetrics.RecordMemoryHeld(-_entries.Count, -_totalBytes);
        if (Dirty && !_superseded)
        {
            try
            {
                await WriteAsync();
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Memory namespace {Namespace}: pending writes lost on deactivation", Namespace);
            }
        }
    }

    /// <summary>A state row written before entries had rows: its entries and requests move to rows, then leave the state row.</summary>
    private async Task MoveOldEntriesAsync(CancellationToken cancellationToken)
    {
        var old = state.State;
        if (old.Entries.Count == 0 && old.Requests.Count == 0)
        {
            return;
        }

        await FencedAsync(async () => _fence = await store.ImportAsync(Fence, old.Entries, old.Requests, cancellationToken));
        logger.LogInformation("Memory namespace {Namespace}: moved {Entries} entries and {Requests} request ids to entry rows",
            Namespace, old.Entries.Count, old.Requests.Count);
        old.Entries = new(StringComparer.Ordinal);
        old.Requests = [];
        await WriteStateAsync();
    }

    public async Task<MemoryEntry> Store(MemoryWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var ns = CheckNamespace(Namespace);
        var key = CheckKey(write.Key);
        var value = CheckValue(write.ValueJson);
        var metadata = CheckMetadata(write.Metadata);
        if (write.TtlSeconds is { } ttl)
        {
            Checks.Range(ttl, "ttlSeconds", 1, MemoryLimits.MaxTtlSeconds);
        }

        var requestId = write.RequestId is null ? null : Checks.Text(write.RequestId, "requestId", TaskLimits.MaxRequestIdLength);
        var now = DateTimeOffset.UtcNow;
        PurgeExpired(now);
        if (requestId is not null && _requests.Find(r => r.RequestId == requestId) is { } earlier)
        {
            return _entries.TryGetValue(earlier.Key, out var current)
                ? ToEntry(earlier.Key, current) with { Replayed = true }
                : throw new DomainException(ErrorKind.Conflict,
                    $"requestId '{requestId}' stored '{earlier.Key}' at {earlier.StoredAt:O}; that entry has been deleted or expired since", "requestId");
        }

        _entries.TryGetValue(key, out var existing);
        if (existing is null && _entries.Count >= MemoryLimits.MaxEntriesPerNamespace)
        {
            throw new DomainException(ErrorKind.CapacityExceeded,
                $"memory namespace '{ns}' is full: {MemoryLimits.MaxEntriesPerNamespace} entries; delete some or use another namespace", "key");
        }

        var record = new MemoryRecord
        {
            ValueJson = value,
            Metadata = metadata,
            CreatedAt = existing?.CreatedAt ?? now,
            UpdatedAt = now,
            ExpiresAt = write.TtlSeconds is { } seconds ? now.AddSeconds(seconds) : null,
            SizeBytes = Encoding.UTF8.GetByteCount(value),
            RequestId = requestId,
        };

        // The tenant's memory quota: claimed only when the namespace grows past what was last counted.
        var grownBy = record.SizeBytes - (long)(existing?.SizeBytes ?? 0);
        var bytes = _totalBytes + grownBy;
        if (bytes > _reportedBytes)
        {
            await GrainFactory.UsageOf(Tenant).Claim(Tenant, GrainKey, ResourceUsage.Memory(bytes));
            _reportedBytes = bytes;
        }

        if (!state.State.Registered)
        {
            await GrainFactory.RegistryOf(Tenant).RegisterNamespace(ns);
            state.State.Registered = true;
            _registrationUnwritten = true;
        }

        if (state.State.Owner is null && TenantContext.Principal is { } principal)
        {
            state.State.Owner = principal;
            _registrationUnwritten = true;
        }

        var lastWrite = state.State.LastWrite;
        var wasPending = _pending.Contains(key);
        var wasDeleted = _deleted.Remove(key);
        MemoryRequestRecord? request = null;
        if (requestId is not null)
        {
            request = new MemoryRequestRecord { RequestId = requestId, Key = key, StoredAt = now };
            _requests.Add(request);
            if (_requests.Count > MemoryLimits.RememberedRequests)
            {
                _requests.RemoveRange(0, _requests.Count - MemoryLimits.RememberedRequests);
            }

            _newRequests.Add(request);
        }

        _entries[key] = record;
        _totalBytes = bytes;
        NoteExpiry(record);
        state.State.LastWrite = now;
        _stateDirty = true;
        _pending.Add(key);
        if (write.Persist)
        {
            try
            {
                await PersistAsync(key, record, request);
            }
            catch
            {
                // The caller gets an error, so the entry must be as before.
                if (existing is null)
                {
                    _entries.Remove(key);
                }
                else
                {
                    _entries[key] = existing;
                }

                _totalBytes -= grownBy;
                if (!wasPending)
                {
                    _pending.Remove(key);
                }

                if (wasDeleted)
                {
                    _deleted.Add(key);
                }

                state.State.LastWrite = lastWrite;
                if (request is not null)
                {
                    _requests.Remove(request);
                    _newRequests.Remove(request);
                }

                throw;
            }
        }

        SwarmMetrics.RecordMemoryHeld(existing is null ? 1 : 0, grownBy);
        return ToEntry(key, record);
    }

    public Task<MemoryEntry?> Retrieve(string key)
    {
        CheckKey(key);
        PurgeExpired(DateTimeOffset.UtcNow);
        return Task.FromResult(_entries.TryGetValue(key, out var record) ? ToEntry(key, record) : null);
    }

    public Task<MemoryListing> List(string? prefix, int limit)
    {
        Checks.Range(limit, "limit", 1, MemoryLimits.MaxListLimit);
        var p = prefix ?? "";
        if (p.Length > MemoryLimits.MaxKeyLength)
        {
            throw DomainException.Invalid("prefix", $"must be at most {MemoryLimits.MaxKeyLength} characters");
        }

        PurgeExpired(DateTimeOffset.UtcNow);
        return Task.FromResult(Listing(kv => kv.Key.StartsWith(p, StringComparison.Ordinal), limit));
    }

    public Task<MemoryListing> Search(string query, int limit)
    {
        var q = Checks.Text(query, "query", MemoryLimits.MaxQueryLength);
        Checks.Range(limit, "limit", 1, MemoryLimits.MaxListLimit);
        PurgeExpired(DateTimeOffset.UtcNow);
        return Task.FromResult(Listing(kv =>
            kv.Key.Contains(q, StringComparison.OrdinalIgnoreCase)
            || kv.Value.ValueJson.Contains(q, StringComparison.OrdinalIgnoreCase)
            || kv.Value.Metadata.Any(m => m.Key.Contains(q, StringComparison.OrdinalIgnoreCase) || m.Value.Contains(q, StringComparison.OrdinalIgnoreCase)), limit));
    }

    public Task<bool> Delete(string key)
    {
        CheckKey(key);
        PurgeExpired(DateTimeOffset.UtcNow);
        return Task.FromResult(RemoveEntry(key));
    }

    public Task<MemoryStats> GetStats()
    {
        PurgeExpired(DateTimeOffset.UtcNow);
        var pendingEntries = _pending.Count;
        return Task.FromResult(new MemoryStats(Namespace, _entries.Count, _totalBytes,
            _entries.Count - pendingEntries, pendingEntries + _deleted.Count + (_deleteAll ? 1 : 0), state.State.LastWrite) { Owner = state.State.Owner });
    }

    public async Task Flush()
    {
        PurgeExpired(DateTimeOffset.UtcNow);
        if (Dirty)
        {
            await WriteAsync();
        }
    }

    public async Task<int> Clear()
    {
        var removed = _entries.Count;
        if (removed == 0 && !Dirty)
        {
            return 0;
        }

        SwarmMetrics.RecordMemoryHeld(-removed, -_totalBytes);
        _entries.Clear();
        _totalBytes = 0;
        _nextExpiry = null;
        _pending.Clear();
        _deleted.Clear();
        _deleteAll = true;
        await WriteAsync();
        return removed;
    }

    private async Task WriteBehindAsync(CancellationToken cancellationToken)
    {
        PurgeExpired(DateTimeOffset.UtcNow);
        if (Dirty)
        {
            try
            {
                await WriteAsync();
            }
            catch (Exception ex)
            {
                // Kept in memory; the next tick tries again.
                logger.LogWarning(ex, "Memory namespace {Namespace}: write-behind failed", Namespace);
            }
        }
    }

    /// <summary>A persisted store: its entry's row and request record in one transaction, nothing else.</summary>
    private async Task PersistAsync(string key, MemoryRecord record, MemoryRequestRecord? request)
    {
        if (_registrationUnwritten)
        {
            // The namespace's registration and owner must be as durable as its first persisted entry; written first,
            // so a failure here leaves no row behind an answer that says the write failed.
            await WriteStateAsync();
        }

        if (_deleteAll)
        {
            // A Clear not yet written must land before this entry, not after it: one transaction with everything pending.
            await WriteRowsAsync();
            return;
        }

        await FencedAsync(async () => _fence = await store.WriteAsync(Fence, new MemoryRowChanges(false, [], [new MemoryRowUpsert(key, record)], request is null ? [] : [request])));
        _pending.Remove(key);
        if (request is not null)
        {
            _newRequests.Remove(request);
        }
    }

    /// <summary>Writes every pending change: the changed rows in one transaction, then the state row if it changed.</summary>
    private async Task WriteAsync()
    {
        await WriteRowsAsync();
        if (_stateDirty || _registrationUnwritten)
        {
            await WriteStateAsync();
        }

        await ReportBytesAsync();
    }

    private async Task WriteRowsAsync()
    {
        var deleteAll = _deleteAll;
        var deletes = _deleted.ToList();
        var upserts = _pending.Select(k => new MemoryRowUpsert(k, _entries[k])).ToList();
        var requests = _newRequests.ToList();
        await FencedAsync(async () => _fence = await store.WriteAsync(Fence, new MemoryRowChanges(deleteAll, deletes, upserts, requests)));

        // Changes made while the write was in flight stay pending.
        _deleteAll &= !deleteAll;
        _deleted.ExceptWith(deletes);
        foreach (var upsert in upserts)
        {
            if (_entries.TryGetValue(upsert.Key, out var current) && ReferenceEquals(current, upsert.Record))
            {
                _pending.Remove(upsert.Key);
            }
        }

        _newRequests.RemoveAll(requests.Contains);
    }

    private async Task WriteStateAsync()
    {
        await FencedAsync(state.WriteStateAsync);
        _stateDirty = false;
        _registrationUnwritten = false;
    }

    /// <summary>
    /// A write that finds another activation has written the namespace since (a later epoch, or the state row's ETag
    /// moved): this copy is stale, so nothing is written, the caller gets a Conflict and the next call activates afresh.
    /// </summary>
    private async Task FencedAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (InconsistentStateException e)
        {
            logger.LogWarning(e, "Memory namespace {Namespace}: superseded by a newer activation; deactivating", Namespace);
            _superseded = true;
            DeactivateOnIdle();
            throw new DomainException(ErrorKind.Conflict,
                $"memory namespace '{Namespace}' is now served by a newer activation (the cluster moved it); this write was not applied, try again",
                "namespace");
        }
    }

    /// <summary>Deletes and expiries give quota back once they are written; a failure only delays that.</summary>
    private async Task ReportBytesAsync()
    {
        var bytes = _totalBytes;
        if (bytes == _reportedBytes)
        {
            return;
        }

        try
        {
            await GrainFactory.UsageOf(Tenant).Report(Tenant, GrainKey, ResourceUsage.Memory(bytes));
            _reportedBytes = bytes;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Memory namespace {Namespace}: could not report its usage", Namespace);
        }
    }

    private bool RemoveEntry(string key)
    {
        if (!_entries.Remove(key, out var removed))
        {
            return false;
        }

        _totalBytes -= removed.SizeBytes;
        SwarmMetrics.RecordMemoryHeld(-1, -removed.SizeBytes);
        _pending.Remove(key);
        _deleted.Add(key);
        return true;
    }

    private void NoteExpiry(MemoryRecord record)
    {
        if (record.ExpiresAt is { } at && (_nextExpiry is not { } next || at < next))
        {
            _nextExpiry = at;
        }
    }

    /// <summary>Scans only once the earliest expiry has passed, so a namespace without due entries pays nothing.</summary>
    private void PurgeExpired(DateTimeOffset now)
    {
        if (_nextExpiry is not { } due || due > now)
        {
            return;
        }

        _nextExpiry = null;
        var expired = new List<string>();
        foreach (var (key, record) in _entries)
        {
            if (record.ExpiresAt is { } at && at <= now)
            {
                expired.Add(key);
            }
            else
            {
                NoteExpiry(record);
            }
        }

        foreach (var key in expired)
        {
            RemoveEntry(key);
        }
    }

    private MemoryListing Listing(Func<KeyValuePair<string, MemoryRecord>, bool> match, int limit)
    {
        var matches = _entries.Where(match).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        return new MemoryListing(Namespace, matches.Count, matches.Take(limit).Select(kv => ToEntry(kv.Key, kv.Value)).ToList());
    }

    private MemoryEntry ToEntry(string key, MemoryRecord r) =>
        new(Namespace, key, r.ValueJson, new Dictionary<string, string>(r.Metadata, StringComparer.Ordinal), r.CreatedAt, r.UpdatedAt, r.ExpiresAt,
            !_pending.Contains(key), r.SizeBytes);

    private static string CheckKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw DomainException.Invalid("key", "must not be empty");
        }

        if (key.Length > MemoryLimits.MaxKeyLength)
        {
            throw DomainException.Invalid("key", $"must be at most {MemoryLimits.MaxKeyLength} characters (got {key.Length})");
        }

        if (key.Any(char.IsControl))
        {
            throw DomainException.Invalid("key", "must not contain control characters");
        }

        if (TextRules.UnicodeProblem(key) is { } rule)
        {
            throw DomainException.Invalid("key", rule);
        }

        return key;
    }

    private static string CheckValue(string? valueJson)
    {
        if (valueJson is null)
        {
            throw DomainException.Invalid("value", "must not be null (store the JSON text null as \"null\")");
        }

        var size = Encoding.UTF8.GetByteCount(valueJson);
        if (size > MemoryLimits.MaxValueBytes)
        {
            throw DomainException.Invalid("value", $"must be at most {MemoryLimits.MaxValueBytes} bytes of UTF-8 JSON (got {size})");
        }

        if (TextRules.UnicodeProblem(valueJson) is { } text)
        {
            throw DomainException.Invalid("value", text);
        }

        try
        {
            using var document = JsonDocument.Parse(valueJson, new JsonDocumentOptions { MaxDepth = InputLimits.MaxJsonDepth });
            if (TextRules.JsonValueProblem(document.RootElement) is { } problem)
            {
                throw DomainException.Invalid("value" + problem.Path, problem.Rule);
            }
        }
        catch (JsonException ex)
        {
            throw DomainException.Invalid("value", $"must be valid JSON nested at most {InputLimits.MaxValueDepth} deep ({ex.Message})");
        }

        return valueJson;
    }

    private static Dictionary<string, string> CheckMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is null)
        {
            return result;
        }

        if (metadata.Count > MaxMetadataEntries)
        {
            throw DomainException.Invalid("metadata", $"at most {MaxMetadataEntries} entries (got {metadata.Count})");
        }

        foreach (var (k, v) in metadata)
        {
            if (string.IsNullOrEmpty(k) || k.Length > MaxMetadataKeyLength)
            {
                throw DomainException.Invalid("metadata", $"keys must be 1..{MaxMetadataKeyLength} characters");
            }

            if ((v ?? "").Length > MaxMetadataValueLength)
            {
                throw DomainException.Invalid("metadata", $"value of '{k}' must be at most {MaxMetadataValueLength} characters");
            }

            if ((TextRules.TextProblem(k) ?? TextRules.TextProblem(v ?? "")) is { } rule)
            {
                throw DomainException.Invalid("metadata", $"keys and values {rule}");
            }

            result[k] = v ?? "";
        }

        return result;
    }
}
