namespace SwarmCluster.Grains.Queen;

/// <summary>How often a Queen supervises her hive (her reminder's period; SwarmCluster:SupervisionPeriod).</summary>
public sealed class SupervisionOptions
{
    /// <summary>Orleans' own floor for reminder periods; the hosting lowers it when a shorter period is configured.</summary>
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromMinutes(1);

    public TimeSpan Period { get; set; } = DefaultPeriod;
}
