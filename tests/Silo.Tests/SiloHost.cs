using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SwarmCluster.Hosting;

namespace SwarmCluster.Silo.Tests;

/// <summary>An in-process silo configured exactly like production, through AddSwarmClusterSilo.</summary>
internal sealed class SiloHost : IAsyncDisposable
{
    private SiloHost(IHost host) => Host = host;

    public IHost Host { get; }

    public IGrainFactory Grains => Host.Services.GetRequiredService<IGrainFactory>();

    public string SiloIdentity => Host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();

    public static async Task<SiloHost> StartAsync(SiloRole role, IDictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            // No environment variables or appsettings: each test states its whole configuration.
            DisableDefaults = true,
            EnvironmentName = Environments.Development,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddFilter(level => level >= LogLevel.Warning);
        builder.AddSwarmClusterSilo(role);
        var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(timeout.Token);
        return new SiloHost(host);
    }

    /// <summary>Settings for a silo on loopback with free ports.</summary>
    public static Dictionary<string, string?> Settings(string serviceId, string dataDir) => new()
    {
        ["data-dir"] = dataDir,
        ["SwarmCluster:ServiceId"] = serviceId,
        ["SwarmCluster:ClusterId"] = serviceId,
        ["SwarmCluster:SiloPort"] = TestEnvironment.FreePort().ToString(),
        ["SwarmCluster:GatewayPort"] = TestEnvironment.FreePort().ToString(),
        ["SwarmCluster:AdvertisedIPAddress"] = "127.0.0.1",
    };

    public TimeSpan LastStopDuration { get; private set; }

    public async ValueTask DisposeAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await Host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        Host.Dispose();
        LastStopDuration = clock.Elapsed;
        Console.Error.WriteLine($"[SiloHost] stopped in {clock.ElapsedMilliseconds} ms");
    }
}
