using Microsoft.Extensions.Configuration;

namespace SwarmCluster.Gateway;

/// <summary>Gateway settings, read from the "SwarmCluster" section (shared with the hosting library).</summary>
public sealed class GatewayOptions
{
    public const string Section = "SwarmCluster";

    /// <summary>Hosts (and Origin hosts) accepted besides localhost, 127.0.0.1 and [::1]; "*" accepts any.</summary>
    public IReadOnlyList<string> AllowedHosts { get; set; } = [];

    /// <summary>Upper bound for one grain call; a cluster that does not answer gives a clear error instead of a hang.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra attempts for idempotent reads while a silo is being declared dead.</summary>
    public int ReadRetries { get; set; } = 4; // backoff 0.25+0.75+1.5+1.5 s covers the ~2.2 s failure detection measured

    public static GatewayOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = new GatewayOptions();

        // Accept both a list (SwarmCluster:AllowedHosts:0=...) and one comma-separated value.
        var hosts = section.GetSection("AllowedHosts").Get<string[]>() ?? [];
        if (hosts.Length == 0 && section["AllowedHosts"] is { Length: > 0 } csv)
            hosts = csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        options.AllowedHosts = hosts;

        if (double.TryParse(section["CallTimeoutSeconds"], System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            options.CallTimeout = TimeSpan.FromSeconds(seconds);
        if (int.TryParse(section["ReadRetries"], out var retries) && retries >= 0)
            options.ReadRetries = retries;
        return options;
    }
}
