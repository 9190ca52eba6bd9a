using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace SwarmCluster.Silo.Tests.Cluster;

/// <summary>One grain activation: grain type ("swarm", "memory", …), key, and the silo port it lives on.</summary>
internal sealed record Activation(string Type, string Key, int SiloPort);

/// <summary>
/// An external Orleans client (Redis membership, like the gateway finds the cluster) that asks the management
/// grain where every activation lives, so the test knows which grains a killed worker took down.
/// </summary>
internal sealed class PlacementInspector : IAsyncDisposable
{
    private readonly IHost _host;

    private PlacementInspector(IHost host) => _host = host;

    public static async Task<PlacementInspector> ConnectAsync(string redis, string clusterId, string serviceId, TimeSpan timeout)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddFilter(level => level >= LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId;
            });
            client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        });
        var host = builder.Build();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await host.StartAsync(cts.Token);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new PlacementInspector(host);
    }

    public async Task<IReadOnlyList<Activation>> ActivationsAsync(TimeSpan timeout)
    {
        var management = _host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        var statistics = await management.GetDetailedGrainStatistics().WaitAsync(timeout);
        return statistics.Select(s => new Activation(s.GrainId.Type.ToString()!, s.GrainId.Key.ToString()!, s.SiloAddress.Endpoint.Port)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _host.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        _host.Dispose();
    }
}
