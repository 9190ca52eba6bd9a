using Microsoft.Extensions.Configuration;
using SwarmCluster.Hosting;
using SwarmCluster.Hosting.Storage;

namespace SwarmCluster.Silo.Tests;

public class OptionsTests
{
    [Fact]
    public void Defaults_match_the_documented_ones()
    {
        var options = SwarmClusterHosting.ResolveOptions(new ConfigurationBuilder().Build());
        Assert.Equal(ClusteringMode.Localhost, options.Clustering);
        Assert.Equal(StorageProvider.Sqlite, options.Storage);
        Assert.Equal("swarmcluster", options.ClusterId);
        Assert.Equal("swarmcluster", options.ServiceId);
        Assert.Equal(11111, options.SiloPort);
        Assert.Equal(30000, options.GatewayPort);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Membership.ProbeTimeout);
        Assert.Equal(2, options.Membership.NumMissedProbesLimit);
        Assert.Equal("swarm", SwarmStorage.ProviderName);
    }

    [Fact]
    public void Section_binds_and_data_dir_switch_wins()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SwarmCluster:DataDirectory"] = "/from/section",
            ["SwarmCluster:Clustering"] = "Redis",
            ["SwarmCluster:Storage"] = "PostgreSql",
            ["SwarmCluster:Membership:ProbeTimeout"] = "00:00:03",
            ["data-dir"] = "/from/switch",
        }).Build();

        var options = SwarmClusterHosting.ResolveOptions(configuration);

        Assert.Equal("/from/switch", options.DataDirectory);
        Assert.Equal(ClusteringMode.Redis, options.Clustering);
        Assert.Equal(StorageProvider.PostgreSql, options.Storage);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Membership.ProbeTimeout);
        Assert.Equal(Path.Combine(Path.GetFullPath("/from/switch"), "swarm.db"), options.SqliteDatabasePath);
    }
}
