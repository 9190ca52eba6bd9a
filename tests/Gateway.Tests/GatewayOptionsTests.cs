using Microsoft.Extensions.Configuration;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Tests;

public sealed class GatewayOptionsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void AllowedHosts_AcceptCommaSeparatedAndListForms()
    {
        // The Kubernetes manifests set SwarmCluster__AllowedHosts=a,b,c; appsettings may give a list.
        Assert.Equal(["localhost", "swarmcluster-gateway", "swarm.example.com"],
            GatewayOptions.FromConfiguration(Config(("SwarmCluster:AllowedHosts", "localhost, swarmcluster-gateway,swarm.example.com"))).AllowedHosts);
        Assert.Equal(["a.example", "b.example"],
            GatewayOptions.FromConfiguration(Config(("SwarmCluster:AllowedHosts:0", "a.example"), ("SwarmCluster:AllowedHosts:1", "b.example"))).AllowedHosts);
        Assert.Empty(GatewayOptions.FromConfiguration(Config()).AllowedHosts);
    }

    [Fact]
    public void CallTimeout_AndRetries_AreConfigurable()
    {
        var options = GatewayOptions.FromConfiguration(Config(("SwarmCluster:CallTimeoutSeconds", "2.5"), ("SwarmCluster:ReadRetries", "0")));
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.CallTimeout);
        Assert.Equal(0, options.ReadRetries);
        Assert.Equal(TimeSpan.FromSeconds(30), GatewayOptions.FromConfiguration(Config()).CallTimeout);
    }

    [Theory]
    [InlineData(null, SiloRole.Embedded)]
    [InlineData("gateway", SiloRole.Gateway)]
    [InlineData("Embedded", SiloRole.Embedded)]
    public void Role_DefaultsToEmbedded(string? value, SiloRole expected)
    {
        var config = value is null ? Config() : Config(("SwarmCluster:Role", value));
        Assert.Equal(expected, GatewayHost.ReadRole(config));
    }

    [Fact]
    public void Role_Worker_IsRefusedWithAClearMessage()
    {
        var e = Assert.Throws<InvalidOperationException>(() => GatewayHost.ReadRole(Config(("SwarmCluster:Role", "Worker"))));
        Assert.Contains("src/Silo", e.Message);
    }
}
