namespace SwarmCluster.Contracts.Memory;

/// <summary>
/// One namespace of shared memory, keyed "ns-&lt;namespace&gt;". Plain writes live in grain memory and are
/// written behind; persist writes return only after the database has them.
/// </summary>
[Alias("swarm.IMemoryGrain")]
public interface IMemoryGrain : IGrainWithStringKey
{
    [Alias("Store")] Task<MemoryEntry> Store(MemoryWrite write);

    /// <summary>Null when the key is absent or expired.</summary>
    [Alias("Retrieve")] Task<MemoryEntry?> Retrieve(string key);

    [Alias("List")] Task<MemoryListing> List(string? prefix, int limit);

    [Alias("Delete")] Task<bool> Delete(string key);

    /// <summary>Case-insensitive substring match over keys, values and metadata.</summary>
    [Alias("Search")] Task<MemoryListing> Search(string query, int limit);

    [Alias("GetStats")] Task<MemoryStats> GetStats();

    /// <summary>Writes pending plain writes now.</summary>
    [Alias("Flush")] Task Flush();

    /// <summary>Deletes every entry and writes the empty namespace (acknowledged), giving its bytes back to the tenant's quota. Returns the entries removed.</summary>
    [Alias("Clear")] Task<int> Clear();
}
