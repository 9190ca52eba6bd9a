using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Tests;

/// <summary>A bad setting stops the process with the setting's name, its rule and the value given.</summary>
public sealed class OptionsValidationTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Theory]
    [InlineData("ReadRetries", "-1", "SwarmCluster:ReadRetries must be between 0 and 100 (got -1)")]
    [InlineData("CallTimeoutSeconds", "0", "SwarmCluster:CallTimeoutSeconds must be more than 0")]
    [InlineData("MaxRequestBytes", "1024", "SwarmCluster:MaxRequestBytes must be a whole number of bytes between 65536 and 268435456 (got '1024')")]
    public void GatewaySettings_OutsideTheirRule_AreRefused(string key, string value, string message)
    {
        var e = Assert.Throws<OptionsValidationException>(() => GatewayOptions.FromConfiguration(Config(($"SwarmCluster:{key}", value))));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void GatewaySetting_ThatIsNotANumber_NamesTheSetting()
    {
        var e = Assert.Throws<InvalidOperationException>(() => GatewayOptions.FromConfiguration(Config(("SwarmCluster:ReadRetries", "many"))));
        Assert.Contains("SwarmCluster:ReadRetries", e.Message);
    }

    [Theory]
    [InlineData("SiloPort", "70000", "SwarmCluster:SiloPort must be a port between 1 and 65535 (got 70000)")]
    [InlineData("Membership:NumMissedProbesLimit", "0", "SwarmCluster:Membership:NumMissedProbesLimit must be at least 1 (got 0)")]
    [InlineData("AdvertisedIPAddress", "not-an-ip", "SwarmCluster:AdvertisedIPAddress must be an IP address (got 'not-an-ip')")]
    [InlineData("SupervisionPeriod", "00:00:00.5", "SwarmCluster:SupervisionPeriod must be at least 1 second")]
    public void SiloSettings_OutsideTheirRule_AreRefused(string key, string value, string message)
    {
        var e = Assert.Throws<InvalidOperationException>(() => SwarmClusterHosting.ResolveOptions(Config(($"SwarmCluster:{key}", value))));
        Assert.Contains(message, e.Message);
    }
}
