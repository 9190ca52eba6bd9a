using System.Globalization;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using SwarmCluster.Contracts;

namespace SwarmCluster.Gateway.Security;

/// <summary>An API key as configured: only its hash is stored (SwarmCluster:Auth:ApiKeys:N).</summary>
public sealed record ApiKeyEntry(string Name, string Tenant, IReadOnlyList<Scope> Scopes, string Hash, bool Revoked, DateTimeOffset? ExpiresAt);

/// <summary>JWT validation (SwarmCluster:Auth:Jwt): the authority's keys, or local keys (no network).</summary>
public sealed record JwtSettings(
    string? Authority, string Issuer, string Audience, IReadOnlyList<SecurityKey> SigningKeys, string TenantClaim, string? Tenant,
    bool RequireHttpsMetadata);

/// <summary>Requests per principal (SwarmCluster:RateLimit): a token bucket of Burst tokens refilled at PermitsPerSecond.</summary>
public sealed record RateLimitSettings(int PermitsPerSecond, int Burst);

/// <summary>
/// SwarmCluster:Auth, read and checked once at start: a mistake stops the gateway with the setting's name rather
/// than leaving it open or closed by surprise. Authentication is on as soon as any API key (even a revoked one) or
/// JWT validation is configured.
/// </summary>
public sealed class AuthSettings
{
    public const string Section = "SwarmCluster:Auth";
    public const string RateLimitSection = "SwarmCluster:RateLimit";
    public const int DefaultPermitsPerSecond = 100;
    public const int DefaultBurst = 1000;

    public IReadOnlyList<ApiKeyEntry> ApiKeys { get; private init; } = [];

    public JwtSettings? Jwt { get; private init; }

    /// <summary>This server's resource URL (e.g. https://swarm.example.com/mcp): the JWT audience and the metadata's resource.</summary>
    public string? Resource { get; private init; }

    /// <summary>The explicit opt-out: listen beyond loopback without authentication (logged at every start).</summary>
    public bool AllowAnonymous { get; private init; }

    public RateLimitSettings RateLimit { get; private init; } = new(DefaultPermitsPerSecond, DefaultBurst);

    public bool Enabled => ApiKeys.Count > 0 || Jwt is not null;

    public static AuthSettings FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var resource = NullIfBlank(section["Resource"]);
        if (resource is not null && !IsHttpUrl(resource))
            throw Invalid("Resource", $"must be an absolute http(s) URL such as https://swarm.example.com/mcp (got '{resource}')");

        var keys = section.GetSection("ApiKeys").GetChildren().Select(ReadKey).ToList();
        foreach (var duplicate in keys.GroupBy(k => k.Hash).Where(g => g.Count() > 1))
            throw Invalid("ApiKeys", $"the hash {duplicate.Key} is listed twice ({string.Join(", ", duplicate.Select(k => k.Name))})");

        return new AuthSettings
        {
            ApiKeys = keys,
            Jwt = ReadJwt(section.GetSection("Jwt"), resource),
            Resource = resource,
            AllowAnonymous = Bool(section, "AllowAnonymous"),
            RateLimit = ReadRateLimit(configuration.GetSection(RateLimitSection)),
        };
    }

    private static ApiKeyEntry ReadKey(IConfigurationSection key)
    {
        var where = $"ApiKeys:{key.Key}";
        var name = NullIfBlank(key["Name"]) ?? throw Invalid(where + ":Name", "is required (who holds the key; it names the principal in logs and rate limits)");
        if (name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@'))
            throw Invalid(where + ":Name", $"must be 1-64 letters, digits and - _ . @ (got '{name}')");
        var tenant = NullIfBlank(key["Tenant"]) ?? throw Invalid(where + ":Tenant", $"is required ({Tenants.Rule}; '{Tenants.Implicit}' is the data of a server without authentication)");
        if (!Tenants.IsValid(tenant))
            throw Invalid(where + ":Tenant", $"'{tenant}' is not a tenant name ({Tenants.Rule})");
        var scopes = List(key, "Scopes").Select(s => Scopes.TryParse(s, out var scope) ? scope
            : throw Invalid(where + ":Scopes", $"unknown scope '{s}'; scopes are {string.Join(", ", Scopes.Names)}")).ToList();
        if (scopes.Count == 0)
            throw Invalid(where + ":Scopes", $"at least one of {string.Join(", ", Scopes.Names)} (they nest: admin includes write includes read)");
        var hash = NullIfBlank(key["Hash"])?.ToLowerInvariant() ?? throw Invalid(where + ":Hash", "is required: the 'config' line of create-key holds it");
        if (!Security.ApiKeys.IsHash(hash))
            throw Invalid(where + ":Hash", $"must be sha256: followed by 64 hex digits (got '{hash}')");
        DateTimeOffset? expires = null;
        if (NullIfBlank(key["ExpiresAt"]) is { } text)
            expires = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
                : throw Invalid(where + ":ExpiresAt", $"must be a date and time such as 2027-01-31T00:00:00Z (got '{text}')");
        return new ApiKeyEntry(name, tenant, scopes, hash, Bool(key, "Revoked"), expires);
    }

    private static JwtSettings? ReadJwt(IConfigurationSection jwt, string? resource)
    {
        var authority = NullIfBlank(jwt["Authority"]);
        var inline = NullIfBlank(jwt["SigningKeys"]);
        var file = NullIfBlank(jwt["SigningKeysFile"]);
        if (authority is null && inline is null && file is null)
            return null;
        if (authority is not null && !IsHttpUrl(authority))
            throw Invalid("Jwt:Authority", $"must be the identity provider's absolute URL (got '{authority}')");

        var keys = new List<SecurityKey>();
        if (inline is not null)
            keys.AddRange(SigningKeys.Parse(inline, "Jwt:SigningKeys"));
        if (file is not null)
        {
            if (!File.Exists(file))
                throw Invalid("Jwt:SigningKeysFile", $"'{file}' does not exist");
            keys.AddRange(SigningKeys.Parse(File.ReadAllText(file), "Jwt:SigningKeysFile"));
        }

        var issuer = NullIfBlank(jwt["Issuer"]) ?? authority
            ?? throw Invalid("Jwt:Issuer", "is required with local signing keys (the tokens' iss)");
        var audience = NullIfBlank(jwt["Audience"]) ?? resource
            ?? throw Invalid("Resource", "is required with JWT validation: this server's URL (e.g. https://swarm.example.com/mcp), the audience tokens must name");
        var tenant = NullIfBlank(jwt["Tenant"]);
        if (tenant is not null && !Tenants.IsValid(tenant))
            throw Invalid("Jwt:Tenant", $"'{tenant}' is not a tenant name ({Tenants.Rule})");
        return new JwtSettings(authority, issuer, audience, keys, NullIfBlank(jwt["TenantClaim"]) ?? "tenant", tenant,
            jwt["RequireHttpsMetadata"] is not { } https || !bool.TryParse(https, out var require) || require);
    }

    private static RateLimitSettings ReadRateLimit(IConfigurationSection section)
    {
        var perSecond = Int(section, "PermitsPerSecond", DefaultPermitsPerSecond);
        var burst = Int(section, "Burst", Math.Max(DefaultBurst, perSecond));
        if (perSecond < 1)
            throw new InvalidOperationException($"{RateLimitSection}:PermitsPerSecond must be at least 1 (got {perSecond})");
        if (burst < 1)
            throw new InvalidOperationException($"{RateLimitSection}:Burst must be at least 1 (got {burst})");
        return new RateLimitSettings(perSecond, burst);
    }

    // Accept both a list (Scopes:0=read) and one comma-separated value (Scopes=read,write: one environment variable).
    private static List<string> List(IConfigurationSection section, string key)
    {
        var values = section.GetSection(key).GetChildren().Select(c => c.Value).OfType<string>().ToList();
        if (values.Count == 0 && section[key] is { Length: > 0 } csv)
            values = csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        return values;
    }

    private static bool Bool(IConfigurationSection section, string key) =>
        section[key] is { } text && (bool.TryParse(text, out var value) ? value : throw Invalid($"{section.Path}:{key}", $"must be true or false (got '{text}')", full: true));

    private static int Int(IConfigurationSection section, string key, int fallback) =>
        section[key] is not { } text ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw new InvalidOperationException($"{section.Path}:{key} must be a whole number (got '{text}')");

    private static bool IsHttpUrl(string text) => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static InvalidOperationException Invalid(string setting, string rule, bool full = false) =>
        new($"{(full ? setting : Section + ":" + setting)} {rule}");
}

/// <summary>JWT signing keys given locally: a JWKS document (JSON) or PEM public keys / certificates.</summary>
public static class SigningKeys
{
    public static IReadOnlyList<SecurityKey> Parse(string text, string setting)
    {
        text = text.Trim();
        try
        {
            if (text.StartsWith('{'))
            {
                var keys = new JsonWebKeySet(text).GetSigningKeys();
                return keys.Count > 0 ? keys.ToList() : throw new InvalidOperationException($"{AuthSettings.Section}:{setting} holds no signing key");
            }
            if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
                return [new X509SecurityKey(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(text))];
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                try
                {
                    var rsa = RSA.Create();
                    rsa.ImportFromPem(text);
                    return [new RsaSecurityKey(rsa)];
                }
                catch (ArgumentException)
                {
                    var ec = ECDsa.Create();
                    ec.ImportFromPem(text);
                    return [new ECDsaSecurityKey(ec)];
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException or System.Text.Json.JsonException)
        {
            throw new InvalidOperationException($"{AuthSettings.Section}:{setting} could not be read as a JWKS document or PEM key: {e.Message}");
        }
        throw new InvalidOperationException($"{AuthSettings.Section}:{setting} must be a JWKS document ({{\"keys\":[…]}}) or a PEM public key or certificate");
    }
}
