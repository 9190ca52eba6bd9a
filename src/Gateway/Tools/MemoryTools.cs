using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using ModelContextProtocol.Server;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Gateway.Cluster;
using SwarmCluster.Gateway.Security;
using SwarmCluster.Grains;

namespace SwarmCluster.Gateway.Tools;

/// <summary>
/// memory_usage serves both meanings it has had: with `action`, the shared key-value memory (the seed's
/// store/retrieve/list); without, memory statistics (ruv-swarm's `detail`).
/// </summary>
[McpServerToolType]
public sealed class MemoryTools(GrainCalls grains, ProcessFigures process)
{
    // Read lists the tool; store and delete need write, detailed statistics and deleting in a namespace another
    // principal created need admin (checked below, with the same 403 answer).
    [McpServerTool(Name = "memory_usage"), ToolScope(Scope.Read), Description(
        "Shared memory and memory statistics. With `action`: store (key, value: any JSON, ttl seconds, persist: " +
        "acknowledged only once on disk), retrieve (key), list (prefix), delete (key), search (query, substring " +
        "over keys, values and metadata) in a namespace (default 'default'). Without `action`: memory statistics " +
        "by `detail`: summary (process, GC, grain activations, memory namespaces), detailed (adds per grain type " +
        "and per namespace), by-agent (agents per swarm with their history sizes).")]
    public async Task<object> MemoryUsage(
        [Description("Memory operation; omit for statistics")] MemoryAction? action = null,
        [Description("Entry key (store, retrieve, delete)"), StringLength(MemoryLimits.MaxKeyLength, MinimumLength = 1)] string? key = null,
        [Description("Value to store: any JSON (store)")] JsonElement? value = null,
        [Description("Namespace"), StringLength(MemoryLimits.MaxNamespaceLength, MinimumLength = 1)] string @namespace = "default",
        [Description("Time to live in seconds (store)"), Range(1, MemoryLimits.MaxTtlSeconds)] int? ttl = null,
        [Description("Wait until the entry is in the database (store)")] bool persist = false,
        [Description("String metadata for the entry (store)")] Dictionary<string, string>? metadata = null,
        [Description("Key prefix (list)"), StringLength(MemoryLimits.MaxKeyLength)] string? prefix = null,
        [Description("Text to look for (search)"), StringLength(MemoryLimits.MaxQueryLength, MinimumLength = 1)] string? query = null,
        [Description("Most entries to return (list, search)"), Range(1, MemoryLimits.MaxListLimit)] int limit = 100,
        [Description("Statistics detail level (when no action)")] MemoryDetail detail = MemoryDetail.Summary,
        [Description("by-agent: only this swarm (default: every swarm)")] string? swarmId = null,
        [Description("Idempotency key (store): a repeat answers with the entry and changes nothing; a namespace remembers its last 1000"), StringLength(TaskLimits.MaxRequestIdLength, MinimumLength = 1)] string? requestId = null,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.Current;
        if (action is null)
        {
            if (detail == MemoryDetail.Detailed)
                caller.Require(Scope.Admin, "memory_usage detail=detailed (grain activations of the whole cluster)");
            return detail switch
            {
                MemoryDetail.ByAgent => await ByAgent(swarmId, cancellationToken),
                _ => await Statistics(detail == MemoryDetail.Detailed, cancellationToken),
            };
        }

        var op = Values.Wire(action.Value);
        if (action is MemoryAction.Store or MemoryAction.Delete)
            caller.Require(Scope.Write, $"memory_usage action={op}");

        var memory = grains.Memory(@namespace);

        switch (action.Value)
        {
            case MemoryAction.Store:
            {
                var k = Require(key, "key", op);
                if (value is not { } v)
                    throw DomainException.Invalid("value", "required for action=store (any JSON value)");
                var json = v.GetRawText();
                var bytes = Encoding.UTF8.GetByteCount(json);
                if (bytes > MemoryLimits.MaxValueBytes)
                    throw DomainException.Invalid("value", $"must be at most {MemoryLimits.MaxValueBytes} bytes of JSON (got {bytes})");
                var entry = await grains.Write(() => memory.Store(new MemoryWrite(k, json, metadata, ttl, persist) { RequestId = requestId }), cancellationToken, requestId);
                return new MemoryStoreResult(op, @namespace, entry.Key, !entry.Replayed, entry.Durable, EntryView.Of(entry)) { Replayed = entry.Replayed };
            }
            case MemoryAction.Retrieve:
            {
                var k = Require(key, "key", op);
                var entry = await grains.Read(() => memory.Retrieve(k), cancellationToken);
                if (entry is null)
                    return new MemoryRetrieveResult(op, @namespace, k, false, null);
                return new MemoryRetrieveResult(op, @namespace, k, true, EntryView.TryOf(entry, out var reason)
                    ?? throw new DomainException(ErrorKind.Conflict, $"key: the stored value of '{k}' cannot be returned ({reason}); delete or overwrite it", "key"));
            }
            case MemoryAction.Delete:
            {
                var k = Require(key, "key", op);
                if (!caller.Has(Scope.Admin) && (await grains.Read(() => memory.GetStats(), cancellationToken)).Owner is { } owner && owner != caller.Principal)
                    caller.Require(Scope.Admin, $"memory_usage action=delete in namespace '{@namespace}', which another principal created");
                var deleted = await grains.Write(() => memory.Delete(k), cancellationToken);
                return new MemoryDeleteResult(op, @namespace, k, deleted);
            }
            case MemoryAction.List:
            {
                var listing = await grains.Read(() => memory.List(prefix, limit), cancellationToken);
                return MemoryListResult.Of(op, @namespace, prefix, null, listing);
            }
            default: // search
            {
                var q = Require(query, "query", op);
                var listing = await grains.Read(() => memory.Search(q, limit), cancellationToken);
                return MemoryListResult.Of(op, @namespace, null, q, listing);
            }
        }
    }

    private async Task<MemoryStatistics> Statistics(bool detailed, CancellationToken cancellationToken)
    {
        var namespacesTask = NamespaceStats(cancellationToken);
        var grainStatsTask = grains.Read(() => grains.Management.GetSimpleGrainStatistics(), cancellationToken);
        var namespaces = await namespacesTask;
        var grainStats = await grainStatsTask;

        var byType = grainStats
            .GroupBy(s => s.GrainType)
            .Select(g => new GrainTypeActivations(g.Key, g.Sum(s => s.ActivationCount), g.Select(s => s.SiloAddress.ToString()).Distinct().Count()))
            .OrderByDescending(g => g.Activations).ToList();
        var info = GC.GetGCMemoryInfo();
        var generations = detailed
            ? info.GenerationInfo.ToArray().Select((g, i) => new GcGeneration(i < 3 ? $"gen{i}" : i == 3 ? "loh" : "poh", g.SizeAfterBytes, g.FragmentationAfterBytes)).ToList()
            : null;

        return new MemoryStatistics(
            detailed ? "detailed" : "summary",
            process.Snapshot(),
            new GcFigures(info.HeapSizeBytes, info.TotalCommittedBytes, info.FragmentedBytes, info.TotalAvailableMemoryBytes, info.PauseTimePercentage, generations),
            new ActivationFigures(byType.Sum(t => t.Activations), byType.Count, grainStats.Select(s => s.SiloAddress).Distinct().Count(), detailed ? byType : null),
            new NamespaceTotals(namespaces.Count, namespaces.Sum(n => n.Entries), namespaces.Sum(n => n.Bytes),
                namespaces.Sum(n => n.DurableEntries), namespaces.Sum(n => n.PendingWrites), detailed ? namespaces : null));
    }

    private async Task<IReadOnlyList<MemoryStats>> NamespaceStats(CancellationToken cancellationToken)
    {
        var names = await grains.Read(() => grains.Registry.ListNamespaces(), cancellationToken);
        return await Task.WhenAll(names.Select(n => grains.Read(() => grains.Memory(n).GetStats(), cancellationToken)));
    }

    private async Task<MemoryByAgent> ByAgent(string? swarmId, CancellationToken cancellationToken)
    {
        var swarmIds = swarmId is not null
            ? [Ids.Swarm(swarmId)]
            : await grains.Read(() => grains.Registry.ListSwarms(), cancellationToken);
        var swarms = await Task.WhenAll(swarmIds.Select(async s =>
        {
            var agents = await grains.Read(() => grains.Swarm(s).ListAgents(null), cancellationToken);
            var rows = agents.Select(a => new AgentMemoryRow(a.Id, a.Name, a.Type, a.Status, a.Metrics.TasksCompleted + a.Metrics.TasksFailed, a.Metrics.TasksAssigned)).ToArray();
            return new SwarmMemoryRow(s, rows.Length, rows.Sum(r => r.HistoryEntries), rows.OrderBy(r => r.AgentId, StringComparer.Ordinal).ToList());
        }));
        return new MemoryByAgent("by-agent", AgentTools.ResourceNote, process.Snapshot(), swarms);
    }

    private static string Require(string? value, string parameter, string action) =>
        value ?? throw DomainException.Invalid(parameter, $"required for action={action}");
}

public sealed record EntryView(
    string Key, JsonElement Value, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? ExpiresAt, bool Durable, int SizeBytes)
{
    public static EntryView Of(MemoryEntry e) =>
        TryOf(e, out var reason) ?? throw new InvalidOperationException($"memory entry '{e.Key}' is unreadable: {reason}");

    /// <summary>
    /// The entry as answers carry it, or null with the reason when its stored value cannot be returned (not
    /// JSON, or nested deeper than any answer can carry: written before the depth rule, or by hand).
    /// </summary>
    public static EntryView? TryOf(MemoryEntry e, out string? reason)
    {
        try
        {
            using var document = JsonDocument.Parse(e.ValueJson, new JsonDocumentOptions { MaxDepth = InputLimits.MaxJsonDepth });
            if (TextRules.JsonValueProblem(document.RootElement) is { } problem)
            {
                reason = $"value{problem.Path} {problem.Rule}";
                return null;
            }
            reason = null;
            return new(e.Key, document.RootElement.Clone(), e.Metadata, e.CreatedAt, e.UpdatedAt, e.ExpiresAt, e.Durable, e.SizeBytes);
        }
        catch (JsonException)
        {
            reason = $"the stored value is not JSON nested at most {InputLimits.MaxValueDepth} deep";
            return null;
        }
    }
}

/// <summary>An entry a listing skipped because its stored value cannot be returned, and why.</summary>
public sealed record UnreadableEntry(string Key, string Reason);

public sealed record MemoryStoreResult(string Action, string Namespace, string Key, bool Stored, bool Durable, EntryView Entry)
{
    /// <summary>True when this answers a repeated requestId: nothing was stored again.</summary>
    public bool Replayed { get; init; }
}

public sealed record MemoryRetrieveResult(string Action, string Namespace, string Key, bool Found, EntryView? Entry);

public sealed record MemoryDeleteResult(string Action, string Namespace, string Key, bool Deleted);

/// <summary>Count: entries returned; Unreadable: matching entries whose value cannot be returned (delete or overwrite them).</summary>
public sealed record MemoryListResult(
    string Action, string Namespace, string? Prefix, string? Query, int Total, int Count, IReadOnlyList<EntryView> Entries, IReadOnlyList<UnreadableEntry> Unreadable)
{
    public static MemoryListResult Of(string action, string memoryNamespace, string? prefix, string? query, MemoryListing listing)
    {
        var entries = new List<EntryView>(listing.Entries.Count);
        var unreadable = new List<UnreadableEntry>();
        foreach (var entry in listing.Entries)
        {
            if (EntryView.TryOf(entry, out var reason) is { } view)
                entries.Add(view);
            else
                unreadable.Add(new UnreadableEntry(entry.Key, reason!));
        }
        return new(action, memoryNamespace, prefix, query, listing.Total, entries.Count, entries, unreadable);
    }
}

public sealed record GcGeneration(string Generation, long SizeBytes, long FragmentationBytes);

public sealed record GcFigures(long HeapSizeBytes, long CommittedBytes, long FragmentedBytes, long TotalAvailableMemoryBytes, double PauseTimePercentage, IReadOnlyList<GcGeneration>? Generations);

public sealed record GrainTypeActivations(string GrainType, int Activations, int Silos);

public sealed record ActivationFigures(int Total, int GrainTypes, int Silos, IReadOnlyList<GrainTypeActivations>? ByType);

public sealed record NamespaceTotals(int Namespaces, int Entries, long Bytes, int DurableEntries, int PendingWrites, IReadOnlyList<MemoryStats>? ByNamespace);

public sealed record MemoryStatistics(string Detail, ProcessSnapshot Process, GcFigures Gc, ActivationFigures Activations, NamespaceTotals Memory);

public sealed record AgentMemoryRow(string AgentId, string Name, AgentType Type, AgentStatus Status, int HistoryEntries, int TasksAssigned);

public sealed record SwarmMemoryRow(string SwarmId, int Agents, int HistoryEntries, IReadOnlyList<AgentMemoryRow> AgentRows);

public sealed record MemoryByAgent(string Detail, string Note, ProcessSnapshot Process, IReadOnlyList<SwarmMemoryRow> Swarms);
