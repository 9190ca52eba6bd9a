namespace SwarmCluster.Contracts.Memory;

[GenerateSerializer, Alias("memory.write")]
public sealed record MemoryWrite(
    [property: Id(0)] string Key,
    /// <summary>The value as JSON text (validated by the caller and again by the grain).</summary>
    [property: Id(1)] string ValueJson,
    [property: Id(2)] IReadOnlyDictionary<string, string>? Metadata = null,
    [property: Id(3)] int? TtlSeconds = null,
    /// <summary>True: acknowledged only once the entry is in the database.</summary>
    [property: Id(4)] bool Persist = false)
{
    /// <summary>The client's idempotency key: a repeat answers with the entry and changes nothing.</summary>
    [Id(5)] public string? RequestId { get; init; }
}

[GenerateSerializer, Alias("memory.entry")]
public sealed record MemoryEntry(
    [property: Id(0)] string Namespace,
    [property: Id(1)] string Key,
    [property: Id(2)] string ValueJson,
    [property: Id(3)] IReadOnlyDictionary<string, string> Metadata,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset UpdatedAt,
    [property: Id(6)] DateTimeOffset? ExpiresAt,
    /// <summary>True once this version of the entry is known to be in the database.</summary>
    [property: Id(7)] bool Durable,
    [property: Id(8)] int SizeBytes)
{
    /// <summary>True when this answers a repeated requestId: nothing was written again.</summary>
    [Id(9)] public bool Replayed { get; init; }
}

[GenerateSerializer, Alias("memory.list")]
public sealed record MemoryListing(
    [property: Id(0)] string Namespace,
    [property: Id(1)] int Total,
    [property: Id(2)] IReadOnlyList<MemoryEntry> Entries);

[GenerateSerializer, Alias("memory.stats")]
public sealed record MemoryStats(
    [property: Id(0)] string Namespace,
    [property: Id(1)] int Entries,
    [property: Id(2)] long Bytes,
    [property: Id(3)] int DurableEntries,
    [property: Id(4)] int PendingWrites,
    [property: Id(5)] DateTimeOffset? LastWrite)
{
    /// <summary>The principal whose store created the namespace; null when unknown (older namespaces).</summary>
    [Id(6)] public string? Owner { get; init; }
}

public static class MemoryLimits
{
    public const int MaxKeyLength = 256;
    public const int MaxValueBytes = 64 * 1024;
    public const int MaxEntriesPerNamespace = 10_000;
    public const int MaxNamespaceLength = 64;
    public const int MaxTtlSeconds = 365 * 24 * 3600;
    public const int MaxListLimit = 1000;
    public const int MaxQueryLength = 256;

    /// <summary>Store request ids a namespace remembers (the most recent ones).</summary>
    public const int RememberedRequests = 1000;
}
