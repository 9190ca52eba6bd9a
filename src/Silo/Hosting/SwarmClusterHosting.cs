using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;
using SwarmCluster.Grains;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.Queen;
using SwarmCluster.Hosting.Storage;

namespace SwarmCluster.Hosting;

/// <summary>Everything a process needs to host a SwarmCluster silo.</summary>
public static class SwarmClusterHosting
{
    /// <summary>Environment variable naming the data directory (overridden by <c>--data-dir</c>).</summary>
    public const string DataDirEnvironmentVariable = "SWARM_DATA_DIR";

    /// <summary>Set inside every Kubernetes pod; enables Orleans' Kubernetes hosting.</summary>
    public const string KubernetesEnvironmentVariable = "KUBERNETES_SERVICE_HOST";

    /// <summary>
    /// Configures an Orleans silo for <paramref name="role"/>: for Embedded, the data directory's lock first
    /// (<see cref="DataDirectoryLock"/>: throws <see cref="DataDirectoryLockedException"/> when another silo holds it),
    /// then clustering, ADO.NET grain storage "swarm",
    /// schema migration before the silo starts, silo metadata role, worker placement filter, dashboard
    /// (Embedded/Gateway), fast membership and log filters. Works for WebApplicationBuilder and
    /// Host.CreateApplicationBuilder.
    /// </summary>
    public static IHostApplicationBuilder AddSwarmClusterSilo(this IHostApplicationBuilder builder, SiloRole role)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = ResolveOptions(builder.Configuration);
        var memoryOptions = new MemoryGrainOptions { FlushInterval = options.MemoryFlushInterval };
        // Nothing connects to the embedded default as an Orleans client: open no client gateway port unless asked to.
        if (role == SiloRole.Embedded && builder.Configuration[$"{SwarmClusterOptions.SectionName}:{nameof(SwarmClusterOptions.GatewayPort)}"] is null)
        {
            options.GatewayPort = 0;
        }

        var storageConnectionString = GetStorageConnectionString(options);
        var dashboard = options.Dashboard ?? role is SiloRole.Embedded or SiloRole.Gateway;
        var info = new SwarmClusterSiloInfo(role, options, dashboard);

        builder.Services.AddSingleton(info);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IOptions<SwarmClusterOptions>>(Options.Create(options));
        builder.Services.AddSingleton<IValidateOptions<SwarmClusterOptions>, SwarmClusterOptionsValidation>();
        builder.Services.AddSingleton(Options.Create(memoryOptions));
        builder.Services.AddSingleton(Options.Create(ReadQuotas(builder.Configuration)));
        builder.Services.AddSwarmHealthChecks();

        if (role == SiloRole.Embedded)
        {
            // Before anything opens the database: a second embedded silo on this directory stops here, naming the first.
            var directoryLock = DataDirectoryLock.Acquire(options.DataDirectory);
            builder.Services.AddSingleton(_ => directoryLock);
            builder.Services.AddHostedService<DataDirectoryLockLifetime>();
        }

        // Hosted services start in registration order and Orleans registers its own in UseOrleans below:
        // registering the migrator first makes the schema exist before the storage provider reads OrleansQuery.
        if (options.MigrateOnStartup)
        {
            builder.Services.AddHostedService(sp => new SchemaMigrationService(
                options.Storage, storageConnectionString, options.MigrationTimeout,
                sp.GetRequiredService<ILogger<SchemaMigrationService>>()));
        }

        builder.AddSwarmTelemetry(role);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        // Start-up GC/thread-pool hiccups trip the watchdog with a harmless warning.
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);

        builder.UseOrleans(silo =>
        {
            ConfigureClustering(silo, options);
            SiloTls.Configure(silo, builder.Configuration); // mutual TLS between silos when configured

            silo.Configure<ClusterMembershipOptions>(m =>
            {
                m.ProbeTimeout = options.Membership.ProbeTimeout;
                m.NumMissedProbesLimit = options.Membership.NumMissedProbesLimit;
            });

            silo.AddSwarmStorage(options.Storage, storageConnectionString, options.StateEncoding);
            // Grain calls carry the caller's trace context, so a tool call's span has the grain calls as children.
            silo.AddActivityPropagation();
            // A call made for one tenant never reaches another tenant's grain.
            silo.AddIncomingGrainCallFilter<TenantCallFilter>();
            silo.AddSupervision(options.SupervisionPeriod);

            // Orleans:Metadata from configuration plus our role (UseSiloMetadata may be called only once).
            var metadata = builder.Configuration.GetSection("Orleans:Metadata").Get<Dictionary<string, string>>() ?? [];
            metadata[SiloRoles.MetadataKey] = role == SiloRole.Gateway ? SiloRoles.Gateway : SiloRoles.Worker;
            silo.UseSiloMetadata(metadata);
            silo.Services.AddPlacementFilter<WorkerPlacementFilterStrategy, WorkerPlacementFilterDirector>(ServiceLifetime.Transient);

            if (dashboard)
            {
                silo.AddDashboard();
            }
        });

        return builder;
    }

    /// <summary>
    /// The grain storage provider every grain uses and the reminder table (Queen supervision), both through ADO.NET, and
    /// memory namespaces' entry rows (<see cref="IMemoryEntryStore"/>), all on the same database, whose schema
    /// <see cref="SchemaMigrator"/> owns.
    /// </summary>
    public static ISiloBuilder AddSwarmStorage(this ISiloBuilder silo, StorageProvider provider, string connectionString,
        GrainStateEncoding encoding = GrainStateEncoding.Binary)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var invariant = GetAdoNetInvariant(provider);
        silo.AddAdoNetGrainStorage(SwarmStorage.ProviderName, o =>
        {
            o.Invariant = invariant;
            o.ConnectionString = connectionString;
        });
        // Binary rows; JSON rows from earlier versions are read by the provider's default serializer.
        silo.Services.AddOptions<AdoNetGrainStorageOptions>(SwarmStorage.ProviderName)
            .Configure<Serializer, IGrainStorageSerializer>((o, binary, json) => o.GrainStorageSerializer = new GrainStateFormat(binary, json, encoding));
        if (provider == StorageProvider.Sqlite)
        {
            // Registered after the provider, so this is the "swarm" storage grains and the silo's lifecycle get.
            var writes = SqliteWriteQueue.For(connectionString);
            silo.Services.AddKeyedSingleton<IGrainStorage>(SwarmStorage.ProviderName,
                (sp, key) => new SqliteTurnGrainStorage(AdoNetGrainStorageFactory.Create(sp, (string)key!), writes));
        }
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = invariant;
            o.ConnectionString = connectionString;
        });
        silo.Services.AddSingleton<IMemoryEntryStore>(sp => new SqlMemoryEntryStore(provider, connectionString,
            () => sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        return silo;
    }

    /// <summary>The Queens' supervision period; reminders may not be shorter than Orleans' floor, so that is lowered to match.</summary>
    public static ISiloBuilder AddSupervision(this ISiloBuilder silo, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (period < TimeSpan.FromSeconds(1))
        {
            throw new InvalidOperationException($"SwarmCluster:SupervisionPeriod must be at least 1 second (got {period}).");
        }

        silo.Services.Configure<SupervisionOptions>(o => o.Period = period);
        silo.Services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = period < o.MinimumReminderPeriod ? period : o.MinimumReminderPeriod);
        return silo;
    }

    /// <summary>
    /// GET /healthz (200 with status JSON when the silo is active, 503 otherwise), /healthz/live and /healthz/ready
    /// (the probes), GET /metrics (Prometheus, open like the probes: counts only, nothing tenant-specific) and, for
    /// roles with the dashboard, the Orleans dashboard at /dashboard/, to which <paramref name="protectDashboard"/>
    /// may add authorization.
    /// </summary>
    public static WebApplication MapSwarmClusterEndpoints(this WebApplication app, Action<IEndpointConventionBuilder>? protectDashboard = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapSwarmHealthChecks();
        app.MapSwarmMetrics();
        if (app.Services.GetRequiredService<SwarmClusterSiloInfo>().DashboardEnabled)
        {
            var dashboard = app.MapOrleansDashboard(routePrefix: "/dashboard");
            protectDashboard?.Invoke(dashboard);
        }

        return app;
    }

    /// <summary>
    /// Binds <see cref="SwarmClusterOptions"/> from the "SwarmCluster" section, applies the data directory
    /// precedence and validates (<see cref="SwarmClusterOptionsValidation"/>; throws naming the setting and rule):
    /// <c>--data-dir</c> (configuration key "data-dir", from the host's command line) &gt;
    /// <c>SWARM_DATA_DIR</c> &gt; <c>SwarmCluster:DataDirectory</c> &gt; ./data.
    /// </summary>
    public static SwarmClusterOptions ResolveOptions(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new SwarmClusterOptions();
        configuration.GetSection(SwarmClusterOptions.SectionName).Bind(options);

        // "data-dir" is what the configuration command-line provider makes of --data-dir.
        var dataDir = configuration["data-dir"] ?? NullIfEmpty(Environment.GetEnvironmentVariable(DataDirEnvironmentVariable));
        if (!string.IsNullOrWhiteSpace(dataDir))
        {
            options.DataDirectory = dataDir;
        }

        // Checked here rather than at host start: clustering and storage are configured from these values right away.
        var validation = new SwarmClusterOptionsValidation().Validate(null, options);
        return validation.Failed ? throw new InvalidOperationException(validation.FailureMessage) : options;
    }

    /// <summary>The connection string grain storage and the migrator use; creates the SQLite data directory.</summary>
    public static string GetStorageConnectionString(SwarmClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (options.Storage)
        {
            case StorageProvider.Sqlite:
                Directory.CreateDirectory(Path.GetDirectoryName(options.SqliteDatabasePath)!);
                return BuildSqliteConnectionString(options.SqliteDatabasePath);
            case StorageProvider.PostgreSql:
                if (string.IsNullOrWhiteSpace(options.PostgresConnectionString))
                {
                    throw new InvalidOperationException(
                        "SwarmCluster:Storage is PostgreSql but SwarmCluster:PostgresConnectionString is empty " +
                        "(set SwarmCluster__PostgresConnectionString, e.g. \"Host=127.0.0.1;Port=5432;Username=postgres;Database=swarm\").");
                }

                return options.PostgresConnectionString;
            default:
                throw new InvalidOperationException($"Unknown storage provider '{options.Storage}'.");
        }
    }

    /// <summary>SQLite connection string for a database file: pooled, waits up to 30 s for the write lock.</summary>
    public static string BuildSqliteConnectionString(string databasePath) => new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>The ADO.NET invariant the Orleans provider needs for a back-end.</summary>
    public static string GetAdoNetInvariant(StorageProvider provider) => provider switch
    {
        // Orleans maps this invariant to Microsoft.Data.Sqlite's factory.
        StorageProvider.Sqlite => "System.Data.SQLite",
        StorageProvider.PostgreSql => "Npgsql",
        _ => throw new InvalidOperationException($"Unknown storage provider '{provider}'."),
    };

    /// <summary>
    /// Applies schema migrations for the configured storage, retrying while the database is unreachable
    /// (up to <see cref="SwarmClusterOptions.MigrationTimeout"/>). Used by the <c>migrate</c> command.
    /// </summary>
    public static Task<int> MigrateAsync(SwarmClusterOptions options, ILogger logger, CancellationToken ct = default)
        => SchemaMigrationService.MigrateWithRetryAsync(options.Storage, GetStorageConnectionString(options), options.MigrationTimeout, logger, ct);

    private static void ConfigureClustering(ISiloBuilder silo, SwarmClusterOptions options)
    {
        if (options.Clustering == ClusteringMode.Localhost)
        {
            var primary = string.IsNullOrWhiteSpace(options.PrimarySiloEndpoint) ? null : IPEndPoint.Parse(options.PrimarySiloEndpoint);
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, primary, options.ServiceId, options.ClusterId);
            return;
        }

        silo.Configure<ClusterOptions>(c =>
        {
            c.ClusterId = options.ClusterId;
            c.ServiceId = options.ServiceId;
        });
        silo.Configure<EndpointOptions>(e =>
        {
            e.SiloPort = options.SiloPort;
            e.GatewayPort = options.GatewayPort;
            if (!string.IsNullOrWhiteSpace(options.AdvertisedIPAddress))
            {
                e.AdvertisedIPAddress = IPAddress.Parse(options.AdvertisedIPAddress);
            }
        });

        var redis = ConfigurationOptions.Parse(options.RedisConnectionString);
        // Keep retrying instead of failing start-up when Redis comes up after the silo (pods start in any order).
        redis.AbortOnConnectFail = false;
        silo.UseRedisClustering(o => o.ConfigurationOptions = redis);

        // Needs POD_NAME/POD_NAMESPACE/POD_IP and a service account allowed to watch pods: only inside a pod.
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(KubernetesEnvironmentVariable)))
        {
            silo.UseKubernetesHosting();
        }
    }

    /// <summary>SwarmCluster:Quotas, checked at start: a bad figure stops the silo with the setting's name.</summary>
    public static QuotaOptions ReadQuotas(IConfiguration configuration)
    {
        var quotas = new QuotaOptions();
        configuration.GetSection(QuotaOptions.Section).Bind(quotas);
        return quotas.Problem() is { } problem ? throw new InvalidOperationException(problem) : quotas;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>What <see cref="SwarmClusterHosting.AddSwarmClusterSilo"/> configured; available from DI.</summary>
/// <param name="Role">The silo's role.</param>
/// <param name="Options">The resolved options.</param>
/// <param name="DashboardEnabled">Whether the dashboard is registered.</param>
public sealed record SwarmClusterSiloInfo(SiloRole Role, SwarmClusterOptions Options, bool DashboardEnabled);
