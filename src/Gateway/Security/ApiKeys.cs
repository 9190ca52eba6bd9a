using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using SwarmCluster.Contracts;

namespace SwarmCluster.Gateway.Security;

/// <summary>
/// API keys: "sck_" and 32 random bytes (base64url). With 256 bits of entropy a plain SHA-256 of the key is as good
/// as a slow password hash (nothing to guess), so the configuration stores "sha256:&lt;hex&gt;" and a lookup is one
/// hash and one dictionary probe.
/// </summary>
public static class ApiKeys
{
    public const string Prefix = "sck_";
    private const string HashPrefix = "sha256:";

    public static string NewKey() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string key) => HashPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static bool IsHash(string text) =>
        text.Length == HashPrefix.Length + 64 && text.StartsWith(HashPrefix, StringComparison.Ordinal)
        && text.AsSpan(HashPrefix.Length).IndexOfAnyExcept("0123456789abcdef") < 0;

    public static bool LooksLikeKey(string? token) => token is not null && token.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The bearer token of the Authorization header, or null.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    /// <summary>
    /// create-key --tenant T --scopes S1,S2 [--name N] [--expires DATE]: prints the key once and its configuration
    /// entry as one line of JSON (each field is one SwarmCluster__Auth__ApiKeys__N__&lt;field&gt; variable).
    /// </summary>
    public static int CreateKeyCommand(string[] args)
    {
        const string usage = "usage: dotnet run --project src/Gateway -- create-key --tenant TENANT --scopes read[,write][,admin] [--name NAME] [--expires 2027-01-31T00:00:00Z]";
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var (key, value) = args[i].Split('=', 2) is [var k, var v] ? (k, v) : (args[i], i + 1 < args.Length ? args[++i] : null);
            if (key is not ("--tenant" or "--scopes" or "--name" or "--expires") || string.IsNullOrWhiteSpace(value))
            {
                Console.Error.WriteLine(key.StartsWith("--", StringComparison.Ordinal) && value is null ? $"{key} needs a value" : $"unexpected argument '{args[i]}'");
                Console.Error.WriteLine(usage);
                return 2;
            }
            options[key] = value.Trim();
        }

        string? problem = null;
        var tenant = options.GetValueOrDefault("--tenant");
        var scopeNames = options.GetValueOrDefault("--scopes")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (tenant is null || !Tenants.IsValid(tenant))
            problem = $"--tenant: {(tenant is null ? "required" : $"'{tenant}' is not a tenant name")} ({Tenants.Rule}; '{Tenants.Implicit}' reaches the data of a server without authentication)";
        else if (scopeNames.Length == 0 || scopeNames.Any(s => !Scopes.TryParse(s, out _)))
            problem = $"--scopes: a comma-separated list of {string.Join(", ", Scopes.Names)} (they nest: admin includes write includes read)";
        else if (options.GetValueOrDefault("--expires") is { } expires && !DateTimeOffset.TryParse(expires, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out _))
            problem = $"--expires: '{expires}' is not a date and time (e.g. 2027-01-31T00:00:00Z)";
        if (problem is not null)
        {
            Console.Error.WriteLine(problem);
            Console.Error.WriteLine(usage);
            return 2;
        }

        var newKey = NewKey();
        var hash = Hash(newKey);
        var entry = new Dictionary<string, string>
        {
            ["Name"] = options.GetValueOrDefault("--name") ?? $"{tenant}-{hash[7..15]}",
            ["Tenant"] = tenant!,
            ["Scopes"] = string.Join(',', scopeNames.Select(s => s.ToLowerInvariant()).Distinct()),
            ["Hash"] = hash,
        };
        if (options.GetValueOrDefault("--expires") is { } at)
            entry["ExpiresAt"] = at;
        Console.WriteLine($"key: {newKey}");
        Console.WriteLine($"config: {JsonSerializer.Serialize(entry)}");
        return 0;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>The configured keys by hash.</summary>
public sealed class ApiKeyStore(AuthSettings settings)
{
    private readonly Dictionary<string, ApiKeyEntry> _byHash = settings.ApiKeys.ToDictionary(k => k.Hash, StringComparer.Ordinal);

    public ApiKeyEntry? Find(string key) => key.Length <= 256 && _byHash.TryGetValue(ApiKeys.Hash(key), out var entry) ? entry : null;
}

/// <summary>Authorization: Bearer sck_… → the key's principal, tenant and scopes; revoked, expired and unknown keys fail (401).</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ApiKeys.BearerToken(Request) is not { } token)
            return Task.FromResult(AuthenticateResult.NoResult());
        var entry = keys.Find(token);
        var failure = entry switch
        {
            null => "unknown API key",
            { Revoked: true } => $"API key '{entry.Name}' is revoked",
            { ExpiresAt: { } at } when at <= time.GetUtcNow() => $"API key '{entry.Name}' expired at {at:O}",
            _ => null,
        };
        if (failure is not null)
        {
            Logger.LogInformation("Refused {Path}: {Reason}", Request.Path, failure);
            return Task.FromResult(AuthenticateResult.Fail(failure));
        }

        var principal = new ClaimsPrincipal(Caller.Identity(Scheme.Name, entry!.Name, entry.Tenant, entry.Scopes));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }
}
