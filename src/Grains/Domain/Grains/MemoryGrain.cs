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
/// Persistence: a write with Persist=true writes the whole namespace before answering (Durable=true); if that
/// write fails the entry is taken back and the caller gets the error. Plain writes and deletes change grain
/// memory only and answer Durable=false; a grain timer (<see cref="MemoryGrainOptions.FlushInterval"/>, 1 s by
/// default) writes pending changes behind, and so do Flush and deactivation. A silo crash can lose up to one
/// interval of plain writes; persisted ones are never lost. Expired entries are invisible at once and purged
/// (the purge is written behind like a delete).
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
    IOptions<MemoryGrainOptions> options,
    ILogger<MemoryGrain> logger) : Grain, IMemoryGrain
{
    public const int MaxMetadataEntries = 32;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 1024;

    // Keys whose current version is not yet in the database, and deletes/purges not yet written.
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private int _pendingRemovals;
    private bool _dirty;

    // Bytes last claimed from or reported to the tenant's usage grain; -1 until the first claim of this activation.
    private long _reportedBytes = -1;

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

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The loaded entries count while this activation holds them; OnDeactivateAsync takes them back out.
        Held(state.State.Entries.Count, state.State.Entries.Values.Sum(r => (long)r.SizeBytes));
        var period = options.Value.FlushInterval;
        this.RegisterGrainTimer(WriteBehindAsync, period, period);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Held(-state.State.Entries.Count, -state.State.Entries.Values.Sum(r => (long)r.SizeBytes));
        if (_dirty)
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
        var entries = state.State.Entries;
        if (requestId is not null && state.State.Requests.Find(r => r.RequestId == requestId) is { } earlier)
        {
            return entries.TryGetValue(earlier.Key, out var current)
                ? ToEntry(earlier.Key, current) with { Replayed = true }
                : throw new DomainException(ErrorKind.Conflict,
                    $"requestId '{requestId}' stored '{earlier.Key}' at {earlier.StoredAt:O}; that entry has been deleted or expired since", "requestId");
        }

        entries.TryGetValue(key, out var existing);
        if (existing is null && entries.Count >= MemoryLimits.MaxEntriesPerNamespace)
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
        };

        // The tenant's memory quota: claimed only when the namespace grows past what was last counted.
        var bytes = TotalBytes() - (existing?.SizeBytes ?? 0) + record.SizeBytes;
        if (bytes > _reportedBytes)
        {
            await GrainFactory.UsageOf(Tenant).Claim(Tenant, this.GetPrimaryKeyString(), ResourceUsage.Memory(bytes));
            _reportedBytes = bytes;
        }

        if (!state.State.Registered)
        {
            await GrainFactory.RegistryOf(Tenant).RegisterNamespace(ns);
            state.State.Registered = true;
        }

        state.State.Owner ??= TenantContext.Principal;

        var lastWrite = state.State.LastWrite;
        var wasPending = _pending.Contains(key);
        var requests = state.State.Requests;
        if (requestId is not null)
        {
            requests.Add(new MemoryRequestRecord { RequestId = requestId, Key = key, StoredAt = now });
            if (requests.Count > MemoryLimits.RememberedRequests)
            {
                requests.RemoveRange(0, requests.Count - MemoryLimits.RememberedRequests);
            }
        }

        entries[key] = record;
        state.State.LastWrite = now;
        _pending.Add(key);
        _dirty = true;
        if (write.Persist)
        {
            try
            {
                await WriteAsync();
            }
            catch
            {
                // The caller gets an error, so the entry must be as before.
                if (existing is null)
                {
                    entries.Remove(key);
                }
                else
                {
                    entries[key] = existing;
                }

                if (!wasPending)
                {
                    _pending.Remove(key);
                }

                state.State.LastWrite = lastWrite;
                if (requestId is not null)
                {
                    requests.RemoveAll(r => r.RequestId == requestId);
                }

                throw;
            }
        }

        Held(existing is null ? 1 : 0, record.SizeBytes - (existing?.SizeBytes ?? 0));
        return ToEntry(key, record);
    }

    public Task<MemoryEntry?> Retrieve(string key)
    {
        CheckKey(key);
        PurgeExpired(DateTimeOffset.UtcNow);
        return Task.FromResult(state.State.Entries.TryGetValue(key, out var record) ? ToEntry(key, record) : null);
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
        if (!state.State.Entries.Remove(key, out var removed))
        {
            return Task.FromResult(false);
        }

        Held(-1, -removed.SizeBytes);

        _pending.Remove(key);
        _pendingRemovals++;
        _dirty = true;
        return Task.FromResult(true);
    }

    public Task<MemoryStats> GetStats()
    {
        PurgeExpired(DateTimeOffset.UtcNow);
        var entries = state.State.Entries;
        var pendingEntries = entries.Keys.Count(_pending.Contains);
        return Task.FromResult(new MemoryStats(Namespace, entries.Count, TotalBytes(),
            entries.Count - pendingEntries, pendingEntries + _pendingRemovals, state.State.LastWrite) { Owner = state.State.Owner });
    }

    public async Task Flush()
    {
        PurgeExpired(DateTimeOffset.UtcNow);
        if (_dirty)
        {
            await WriteAsync();
        }
    }

    public async Task<int> Clear()
    {
        var removed = state.State.Entries.Count;
        if (removed == 0 && !_dirty)
        {
            return 0;
        }

        state.State.Entries.Clear();
        _pending.Clear();
        _pendingRemovals++;
        _dirty = true;
        await WriteAsync();
        return removed;
    }

    private async Task WriteBehindAsync(CancellationToken cancellationToken)
    {
        PurgeExpired(DateTimeOffset.UtcNow);
        if (!_dirty)
        {
            return;
        }

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

    private async Task WriteAsync()
    {
        // Snapshot what this write covers: changes made while it is in flight stay pending.
        var covered = _pending.ToList();
        var removals = _pendingRemovals;
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // Someone else wrote this namespace: our copy is stale. Reload on next activation.
            DeactivateOnIdle();
            throw;
        }

        foreach (var key in covered)
        {
            _pending.Remove(key);
        }

        _pendingRemovals -= removals;
        _dirty = _pending.Count > 0 || _pendingRemovals > 0;
        await ReportBytesAsync();
    }

    private long TotalBytes() => state.State.Entries.Values.Sum(r => (long)r.SizeBytes);

    /// <summary>Deletes and expiries give quota back once they are written; a failure only delays that.</summary>
    private async Task ReportBytesAsync()
    {
        var bytes = TotalBytes();
        if (bytes == _reportedBytes)
        {
            return;
        }

        try
        {
            await GrainFactory.UsageOf(Tenant).Report(Tenant, this.GetPrimaryKeyString(), ResourceUsage.Memory(bytes));
            _reportedBytes = bytes;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Memory namespace {Namespace}: could not report its usage", Namespace);
        }
    }

    private void PurgeExpired(DateTimeOffset now)
    {
        var expired = state.State.Entries.Where(kv => kv.Value.ExpiresAt is { } at && at <= now).Select(kv => kv.Key).ToList();
        foreach (var key in expired)
        {
            if (state.State.Entries.Remove(key, out var removed))
            {
                Held(-1, -removed.SizeBytes);
            }

            _pending.Remove(key);
            _pendingRemovals++;
            _dirty = true;
        }
    }

    private static void Held(long entries, long bytes)
    {
        if (entries != 0)
        {
            SwarmMetrics.MemoryEntries.Add(entries);
        }

        if (bytes != 0)
        {
            SwarmMetrics.MemoryBytes.Add(bytes);
        }
    }

    private MemoryListing Listing(Func<KeyValuePair<string, MemoryRecord>, bool> match, int limit)
    {
        var matches = state.State.Entries.Where(match).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
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
