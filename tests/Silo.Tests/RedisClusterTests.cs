using System.Diagnostics;
using StackExchange.Redis;
using SwarmCluster.Hosting;
using Xunit.Abstractions;

namespace SwarmCluster.Silo.Tests;

/// <summary>Silos join through Redis membership; worker-only grains avoid the gateway silo and spread over workers.</summary>
public class RedisClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Silos_join_via_redis_and_worker_grains_spread_over_workers_only()
    {
        var redisConnection = TestEnvironment.RedisConnectionString;
        using var dir = new TempDirectory();
        var clusterId = TestEnvironment.UniqueId("redis");
        Dictionary<string, string?> Settings()
        {
            var s = SiloHost.Settings(clusterId, dir.Path);
            s["SwarmCluster:Clustering"] = "Redis";
            s["SwarmCluster:RedisConnectionString"] = redisConnection;
            return s;
        }

        var membershipKey = $"{clusterId}/members/{clusterId}";
        var redis = await ConnectionMultiplexer.ConnectAsync(redisConnection);
        var silos = new List<SiloHost>();
        try
        {
            var clock = Stopwatch.StartNew();
            var worker1 = await SiloHost.StartAsync(SiloRole.Worker, Settings());
            silos.Add(worker1);
            output.WriteLine($"first silo started in {clock.ElapsedMilliseconds} ms");
            clock.Restart();
            var worker2Start = SiloHost.StartAsync(SiloRole.Worker, Settings());
            var gatewayStart = SiloHost.StartAsync(SiloRole.Gateway, Settings());
            await Task.WhenAll(worker2Start.ContinueWith(_ => { }), gatewayStart.ContinueWith(_ => { }));
            foreach (var start in new[] { worker2Start, gatewayStart }.Where(t => t.IsCompletedSuccessfully))
            {
                silos.Add(await start);
            }

            var worker2 = await worker2Start;
            var gateway = await gatewayStart;
            output.WriteLine($"two more silos started in {clock.ElapsedMilliseconds} ms");

            clock.Restart();
            foreach (var silo in silos)
            {
                await WaitForActiveSilosAsync(silo, 3);
            }

            output.WriteLine($"all three see each other after another {clock.ElapsedMilliseconds} ms");

            // Membership lives in Redis under <ServiceId>/members/<ClusterId>.
            Assert.True(await redis.GetDatabase().KeyExistsAsync(membershipKey), $"membership hash {membershipKey} missing in Redis");

            // Placement picks among the workers the gateway knows can host the grain: wait until it knows both.
            await WaitForPlacementOnBothWorkersAsync(gateway, worker1.SiloIdentity, worker2.SiloIdentity);

            var placements = await Task.WhenAll(Enumerable.Range(0, 40)
                .Select(i => gateway.Grains.GetGrain<IWhereGrain>($"spread-{i}").Where()));

            var bySilo = placements.GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
            output.WriteLine("placements: " + string.Join(", ", bySilo.Select(kv => $"{kv.Key}={kv.Value}")));

            Assert.DoesNotContain(gateway.SiloIdentity, bySilo.Keys);
            Assert.True(bySilo.GetValueOrDefault(worker1.SiloIdentity) >= 8, "worker 1 got too few activations");
            Assert.True(bySilo.GetValueOrDefault(worker2.SiloIdentity) >= 8, "worker 2 got too few activations");

            // Stateful grains called from the gateway silo work end to end (shared SQLite file here).
            Assert.Equal(4, (await gateway.Grains.GetGrain<ICounterGrain>("via-gateway").Add(4)).Value);
        }
        finally
        {
            // Stop silos before removing their membership rows: a silo that cannot record its shutdown retries for minutes.
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(silos.Select(s => s.DisposeAsync().AsTask()));
            output.WriteLine($"silos stopped in {clock.ElapsedMilliseconds} ms");
            await redis.GetDatabase().KeyDeleteAsync(membershipKey);
            await redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task Worker_only_grain_fails_clearly_without_workers()
    {
        using var dir = new TempDirectory();
        var settings = SiloHost.Settings(TestEnvironment.UniqueId("lonely"), dir.Path);
        settings["SwarmCluster:Dashboard"] = "false";
        await using var gateway = await SiloHost.StartAsync(SiloRole.Gateway, settings);

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => gateway.Grains.GetGrain<IWhereGrain>("nowhere").Where());
        output.WriteLine($"{ex.GetType().FullName}: {ex.Message}");
        Assert.Contains("compatible", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task WaitForActiveSilosAsync(SiloHost silo, int expected)
    {
        var deadline = Stopwatch.StartNew();
        var management = silo.Grains.GetGrain<IManagementGrain>(0);
        while (true)
        {
            var hosts = await management.GetHosts(onlyActive: true);
            if (hosts.Count == expected)
            {
                return;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"{silo.SiloIdentity} sees {hosts.Count} active silos, expected {expected}");
            await Task.Delay(200);
        }
    }

    private static async Task WaitForPlacementOnBothWorkersAsync(SiloHost gateway, string worker1, string worker2)
    {
        var seen = new HashSet<string>();
        var deadline = Stopwatch.StartNew();
        for (var i = 0; !(seen.Contains(worker1) && seen.Contains(worker2)); i++)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"placement never reached both workers (saw {string.Join(", ", seen)})");
            seen.Add(await gateway.Grains.GetGrain<IWhereGrain>($"probe-{i}").Where());
            await Task.Delay(100);
        }
    }
}
