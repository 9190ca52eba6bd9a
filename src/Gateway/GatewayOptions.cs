using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SwarmCluster.Contracts;

namespace SwarmCluster.Gateway;

/// <summary>
/// Gateway settings, bound from the "SwarmCluster" section (shared with the hosting library) and validated at start
/// by <see cref="GatewayOptionsValidation"/>: a bad value stops the gateway with the setting's name and rule.
/// </summary>
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

    /// <summary>SwarmCluster:CallTimeoutSeconds: upper bound for one grain call, so a cluster that does not answer gives a clear error instead of a hang.</summary>
    public double CallTimeoutSeconds { get; set; } = 30;

    /// <summary><see cref="CallTimeoutSeconds"/> as a span.</summary>
    [ConfigurationKeyName("CallTimeoutSpan")] // not a setting of its own: CallTimeoutSeconds is
    public TimeSpan CallTimeout
    {
        get => TimeSpan.FromSeconds(CallTimeoutSeconds);
        set => CallTimeoutSeconds = value.TotalSeconds;
    }

    public const double MaxCallTimeoutSeconds = 3600;

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

    public const int MaxReadRetries = 100;

    /// <summary>
    /// The options as the gateway host binds them (same binding, list forms and validation), for code that runs
    /// outside a host. Throws <see cref="OptionsValidationException"/> naming the setting and its rule.
    /// </summary>
    public static GatewayOptions FromConfiguration(IConfiguration configuration)
    {
        var services = new ServiceCollection().AddSingleton(configuration);
        services.AddGatewayOptions();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<GatewayOptions>>().Value;
    }
}

public static class GatewayOptionsRegistration
{
    /// <summary>Binds <see cref="GatewayOptions"/> from the "SwarmCluster" section, validated when the host starts.</summary>
    public static IServiceCollection AddGatewayOptions(this IServiceCollection services)
    {
        services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.Section)
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                var section = configuration.GetSection(GatewayOptions.Section);
                options.AllowedHosts = CommaList(section, nameof(GatewayOptions.AllowedHosts), options.AllowedHosts);
                options.AllowedOrigins = CommaList(section, nameof(GatewayOptions.AllowedOrigins), options.AllowedOrigins);
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidation>();
        // The middleware and grain calls take the bound values themselves.
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<GatewayOptions>>().Value);
        return services;
    }

    // The Kubernetes manifests set SwarmCluster__AllowedHosts=a,b,c: one comma-separated value besides the list form.
    private static IReadOnlyList<string> CommaList(IConfigurationSection section, string key, IReadOnlyList<string> bound) =>
        bound.Count == 0 && section[key] is { Length: > 0 } csv
            ? csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : bound;
}

/// <summary>The rules of the gateway's numeric settings; each failure names the setting, the rule and the value given.</summary>
public sealed class GatewayOptionsValidation : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        if (!(options.CallTimeoutSeconds > 0 && options.CallTimeoutSeconds <= GatewayOptions.MaxCallTimeoutSeconds))
            failures.Add($"{GatewayOptions.Section}:CallTimeoutSeconds must be more than 0 and at most {GatewayOptions.MaxCallTimeoutSeconds} seconds (got {Show(options.CallTimeoutSeconds)})");
        if (options.ReadRetries is < 0 or > GatewayOptions.MaxReadRetries)
            failures.Add($"{GatewayOptions.Section}:ReadRetries must be between 0 and {GatewayOptions.MaxReadRetries} (got {options.ReadRetries})");
        if (options.MaxRequestBytes is < GatewayOptions.MinRequestBytes or > GatewayOptions.MaxRequestBytesLimit)
            failures.Add($"{GatewayOptions.Section}:MaxRequestBytes must be a whole number of bytes between {GatewayOptions.MinRequestBytes} and {GatewayOptions.MaxRequestBytesLimit} (got '{options.MaxRequestBytes}')");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
