using SwarmCluster.Hosting.Storage;

namespace SwarmCluster.Hosting;

/// <summary>How silos find each other.</summary>
public enum ClusteringMode
{
    /// <summary>Development clustering on loopback (single machine). Extra silos point at <see cref="SwarmClusterOptions.PrimarySiloEndpoint"/>.</summary>
    Localhost,

    /// <summary>Membership table in Redis (<see cref="SwarmClusterOptions.RedisConnectionString"/>).</summary>
    Redis,
}

/// <summary>
/// Settings bound from the "SwarmCluster" configuration section (environment: <c>SwarmCluster__Storage=PostgreSql</c>).
/// The data directory can also come from <c>SWARM_DATA_DIR</c> or <c>--data-dir</c> (highest precedence).
/// </summary>
public sealed class SwarmClusterOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "SwarmCluster";

    /// <summary>Where the SQLite file (swarm.db) lives. Relative paths resolve against the working directory.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Membership provider.</summary>
    public ClusteringMode Clustering { get; set; } = ClusteringMode.Localhost;

    /// <summary>StackExchange.Redis configuration string, e.g. "127.0.0.1:6379" or "redis:6379,password=...".</summary>
    public string RedisConnectionString { get; set; } = "127.0.0.1:6379";

    /// <summary>Grain state back-end.</summary>
    public StorageProvider Storage { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// How grain state rows are written (both are always read). Json writes them as versions before the binary
    /// format did: set it while a rolling upgrade from such a version still runs old silos, which cannot read
    /// binary rows; remove it once every silo runs this version.
    /// </summary>
    public GrainStateEncoding StateEncoding { get; set; } = GrainStateEncoding.Binary;

    /// <summary>Npgsql connection string, required when <see cref="Storage"/> is PostgreSql.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>Orleans cluster id: silos with the same id form one cluster.</summary>
    public string ClusterId { get; set; } = "swarmcluster";

    /// <summary>Orleans service id: part of every stored grain row and of the Redis membership key. Keep it stable.</summary>
    public string ServiceId { get; set; } = "swarmcluster";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// Port for external Orleans clients (0 disables it). The embedded role opens none unless this is set
    /// explicitly: nothing outside its own process talks to it as an Orleans client.
    /// </summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>IP address other silos use to reach this one. Empty: Orleans picks an interface (or the pod IP on Kubernetes).</summary>
    public string? AdvertisedIPAddress { get; set; }

    /// <summary>Localhost clustering only: "host:port" of the first silo; empty means this silo is the primary.</summary>
    public string? PrimarySiloEndpoint { get; set; }

    /// <summary>Apply schema migrations before the silo starts (the Kubernetes Job does it too; both are idempotent).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>How long start-up migration keeps retrying while the database is unreachable.</summary>
    public TimeSpan MigrationTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often memory namespaces write pending plain (non-persist) writes to storage: the most of them a
    /// silo crash can lose. Persist writes are acknowledged only once stored, whatever this is.
    /// </summary>
    public TimeSpan MemoryFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Serve the Orleans dashboard; null means by role (Embedded and Gateway: yes, Worker: no).</summary>
    public bool? Dashboard { get; set; }

    /// <summary>Failure detection, tuned for fast failover (see <see cref="MembershipSettings"/>).</summary>
    public MembershipSettings Membership { get; set; } = new();

    /// <summary>How often each Queen supervises her hive through her reminder (Orleans' floor of 1 minute is lowered to match).</summary>
    public TimeSpan SupervisionPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Failure detection settings passed to Orleans' ClusterMembershipOptions.</summary>
    /// <remarks>
    /// Orleans' defaults (10 s probe timeout, 3 missed probes) declare a dead silo after ~11 s; with 1 s and 2
    /// its grains were reactivated elsewhere in ~1.3 s. The cost: a silo stalled for more than ~2 s (long GC,
    /// CPU starvation) can be voted dead and must restart. Raise these on overloaded nodes.
    /// </remarks>
    public sealed class MembershipSettings
    {
        /// <summary>Time to wait for a probe response.</summary>
        public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>Missed probes before a silo suspects another.</summary>
        public int NumMissedProbesLimit { get; set; } = 2;
    }

    /// <summary>The SQLite file path derived from <see cref="DataDirectory"/>.</summary>
    public string SqliteDatabasePath => Path.Combine(Path.GetFullPath(DataDirectory), "swarm.db");
}

/// <summary>
/// The rules of <see cref="SwarmClusterOptions"/>, checked when the options are resolved (before the silo is
/// configured): each failure names the setting, the rule and the value given.
/// </summary>
public sealed class SwarmClusterOptionsValidation : Microsoft.Extensions.Options.IValidateOptions<SwarmClusterOptions>
{
    private const string S = SwarmClusterOptions.SectionName;

    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, SwarmClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MemoryFlushInterval < SwarmCluster.Grains.MemoryGrainOptions.MinFlushInterval || options.MemoryFlushInterval > SwarmCluster.Grains.MemoryGrainOptions.MaxFlushInterval)
            failures.Add($"{S}:MemoryFlushInterval must be between {SwarmCluster.Grains.MemoryGrainOptions.MinFlushInterval} and {SwarmCluster.Grains.MemoryGrainOptions.MaxFlushInterval} (got {options.MemoryFlushInterval})");
        if (options.SupervisionPeriod < TimeSpan.FromSeconds(1))
            failures.Add($"{S}:SupervisionPeriod must be at least 1 second (got {options.SupervisionPeriod})");
        if (options.SiloPort is < 1 or > 65535)
            failures.Add($"{S}:SiloPort must be a port between 1 and 65535 (got {options.SiloPort})");
        if (options.GatewayPort is < 0 or > 65535)
            failures.Add($"{S}:GatewayPort must be a port between 1 and 65535, or 0 for none (got {options.GatewayPort})");
        if (options.MigrationTimeout <= TimeSpan.Zero)
            failures.Add($"{S}:MigrationTimeout must be longer than zero (got {options.MigrationTimeout})");
        if (options.Membership.ProbeTimeout <= TimeSpan.Zero)
            failures.Add($"{S}:Membership:ProbeTimeout must be longer than zero (got {options.Membership.ProbeTimeout})");
        if (options.Membership.NumMissedProbesLimit < 1)
            failures.Add($"{S}:Membership:NumMissedProbesLimit must be at least 1 (got {options.Membership.NumMissedProbesLimit})");
        if (!string.IsNullOrWhiteSpace(options.AdvertisedIPAddress) && !System.Net.IPAddress.TryParse(options.AdvertisedIPAddress, out _))
            failures.Add($"{S}:AdvertisedIPAddress must be an IP address (got '{options.AdvertisedIPAddress}')");
        if (!string.IsNullOrWhiteSpace(options.PrimarySiloEndpoint) && !System.Net.IPEndPoint.TryParse(options.PrimarySiloEndpoint, out _))
            failures.Add($"{S}:PrimarySiloEndpoint must be an address:port (got '{options.PrimarySiloEndpoint}')");
        return failures.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(failures);
    }
}
