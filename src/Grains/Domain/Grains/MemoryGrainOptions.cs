namespace SwarmCluster.Grains;

/// <summary>How memory namespaces write behind (configured by the host: SwarmCluster:MemoryFlushInterval).</summary>
public sealed class MemoryGrainOptions
{
    public static readonly TimeSpan MinFlushInterval = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxFlushInterval = TimeSpan.FromHours(1);

    /// <summary>
    /// How often pending plain (non-persist) writes reach the database: the most a silo crash can lose.
    /// Shorter means more database writes (each writes the whole namespace).
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);
}
