using Microsoft.Extensions.Configuration;
using SwarmCluster.Contracts;

namespace SwarmCluster.Gateway;

/// <summary>Gateway settings, read from the "SwarmCluster" section (shared with the hosting library).</summary>
public sealed class GatewayOptions
{
    public const string Section = "SwarmCluster";

    /// <summary>Host names accepted besides localhost, 127.0.0.1 and [::1]; "*" accepts any.</summary>
    public IReadOnlyList<string> AllowedHosts { get; set; } = [];

    /// <summary>
    /// Browser origins (scheme://host[:port]) accepted besides the server's own; "*" accepts any. A page served
    /// elsewhere (another port, or https through a TLS-terminating ingress) must be listed to call the endpoint.
    /// </summary>
    public IReadOnlyList<string> AllowedOrigins { get; set; } = [];

    /// <summary>Upper bound for one grain call; a cluster that does not answer gives a clear error instead of a hang.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Largest HTTP request body (SwarmCluster:MaxRequestBytes); larger ones get 413 before they are read. The default
    /// (<see cref="InputLimits.MaxRequestBytes"/>, 8 MiB) carries the largest calls the tools accept — a 1024 × 128
    /// neural_process batch or a 1000-sample neural_train at full precision (2.5–5 MB of JSON); lower it when no
    /// client sends batches, since each request in flight may hold this much.
    /// </summary>
    public int MaxRequestBytes { get; set; } = InputLimits.MaxRequestBytes;

    public const int MinRequestBytes = 64 * 1024;
    public const int MaxRequestBytesLimit = 256 * 1024 * 1024;

    /// <summary>Extra attempts for idempotent reads while a silo is being declared dead.</summary>
    public int ReadRetries { get; set; } = 4; // backoff 0.25+0.75+1.5+1.5 s covers the ~2.2 s failure detection measured

    public static GatewayOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = new GatewayOptions();

        options.AllowedHosts = List(section, "AllowedHosts");
        options.AllowedOrigins = List(section, "AllowedOrigins");

        if (double.TryParse(section["CallTimeoutSeconds"], System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            options.CallTimeout = TimeSpan.FromSeconds(seconds);
        if (int.TryParse(section["ReadRetries"], out var retries) && retries >= 0)
            options.ReadRetries = retries;
        if (section["MaxRequestBytes"] is { } bytes)
            options.MaxRequestBytes = int.TryParse(bytes, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var max)
                && max is >= MinRequestBytes and <= MaxRequestBytesLimit
                ? max
                : throw new InvalidOperationException(
                    $"SwarmCluster:MaxRequestBytes must be a whole number of bytes between {MinRequestBytes} and {MaxRequestBytesLimit} (got '{bytes}')");
        return options;
    }

    // Accept both a list (SwarmCluster:AllowedHosts:0=...) and one comma-separated value.
    private static string[] List(IConfigurationSection section, string key)
    {
        var values = section.GetSection(key).Get<string[]>() ?? [];
        if (values.Length == 0 && section[key] is { Length: > 0 } csv)
            values = csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return values;
    }
}
