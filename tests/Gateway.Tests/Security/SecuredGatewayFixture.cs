using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SwarmCluster.Gateway.Security;
using SwarmCluster.Gateway.Tests.Infrastructure;

namespace SwarmCluster.Gateway.Tests.Security;

/// <summary>
/// One gateway with authentication on: API keys for three tenants and every scope (plus a revoked, an expired and a
/// rotated key), JWT validation against two local signing keys (a JWKS document and a PEM file; no network), small
/// quotas for the tenant "tiny" and a low rate limit. Keys are made the way create-key makes them.
/// </summary>
public sealed class SecuredGatewayFixture : IAsyncLifetime
{
    public const string Issuer = "https://issuer.swarmcluster.test";
    public const int PermitsPerSecond = 30;
    public const int Burst = 60;

    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);
    private string? _directory;

    public GatewayProcess Gateway { get; private set; } = null!;

    public string McpUrl => Gateway.McpUrl;

    /// <summary>The gateway's data directory: it owns it, so --stdio bridges on it reach its bridge socket.</summary>
    public string DataDirectory => Path.Combine(_directory!, "data");

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The JWKS key (kid "jwks") and the PEM file's key (kid "pem") the gateway trusts, and one it does not.</summary>
    public RsaSecurityKey JwksKey { get; } = NewKey("jwks");
    public RsaSecurityKey PemKey { get; } = NewKey("pem");
    public RsaSecurityKey UnknownKey { get; } = NewKey("unknown");

    /// <summary>(name, tenant, scopes, revoked, expires) of every configured key.</summary>
    public static readonly (string Name, string Tenant, string Scopes, bool Revoked, string? ExpiresAt)[] Keys =
    [
        ("acme-reader", "acme", "read", false, null),
        ("acme-writer", "acme", "write", false, null),
        ("acme-writer-rotated", "acme", "read,write", false, "2099-01-01T00:00:00Z"),
        ("acme-admin", "acme", "admin", false, null),
        ("globex-writer", "globex", "write", false, null),
        ("globex-admin", "globex", "admin", false, null),
        ("tiny-admin", "tiny", "admin", false, null),
        ("burst", "burst", "read", false, null),
        ("revoked", "acme", "write", true, null),
        ("expired", "acme", "write", false, "2020-01-01T00:00:00Z"),
    ];

    public string Key(string name) => _keys[name];

    public async Task InitializeAsync()
    {
        McpNodeClient.EnsureInstalled();
        _directory = TestPaths.NewTempDirectory("secured");
        var port = GatewayProcess.FreePort();
        var pem = Path.Combine(_directory, "signing.pem");
        await File.WriteAllTextAsync(pem, PemKey.Rsa.ExportSubjectPublicKeyInfoPem());

        var environment = new Dictionary<string, string?>
        {
            ["SwarmCluster__Auth__Resource"] = $"http://127.0.0.1:{port}/mcp",
            ["SwarmCluster__Auth__Jwt__Issuer"] = Issuer,
            ["SwarmCluster__Auth__Jwt__SigningKeys"] = Jwks(JwksKey),
            ["SwarmCluster__Auth__Jwt__SigningKeysFile"] = pem,
            ["SwarmCluster__Quotas__Tenants__tiny__Swarms"] = "2",
            ["SwarmCluster__Quotas__Tenants__tiny__Agents"] = "3",
            ["SwarmCluster__Quotas__Tenants__tiny__Tasks"] = "4",
            ["SwarmCluster__Quotas__Tenants__tiny__MemoryBytes"] = "300",
            ["SwarmCluster__RateLimit__PermitsPerSecond"] = PermitsPerSecond.ToString(),
            ["SwarmCluster__RateLimit__Burst"] = Burst.ToString(),
        };
        for (var i = 0; i < Keys.Length; i++)
        {
            var (name, tenant, scopes, revoked, expires) = Keys[i];
            var key = ApiKeys.NewKey();
            _keys[name] = key;
            var prefix = $"SwarmCluster__Auth__ApiKeys__{i}__";
            environment[prefix + "Name"] = name;
            environment[prefix + "Tenant"] = tenant;
            environment[prefix + "Scopes"] = scopes;
            environment[prefix + "Hash"] = ApiKeys.Hash(key);
            if (revoked)
                environment[prefix + "Revoked"] = "true";
            if (expires is not null)
                environment[prefix + "ExpiresAt"] = expires;
        }
        Gateway = await GatewayProcess.StartAsync(DataDirectory, environment, port);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (Gateway is not null)
            await Gateway.DisposeAsync();
        try
        {
            if (_directory is not null)
                Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A JWT signed by <paramref name="key"/>; by default valid for this gateway (issuer, audience, an hour's lifetime).</summary>
    public string Token(RsaSecurityKey key, string? tenant = "acme", string scope = "read write", string? issuer = null, string? audience = null,
        TimeSpan? expiresIn = null, string subject = "alice@acme")
    {
        var now = DateTime.UtcNow;
        var expires = now + (expiresIn ?? TimeSpan.FromHours(1));
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["scope"] = scope };
        if (tenant is not null)
            claims["tenant"] = tenant;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience ?? McpUrl,
            IssuedAt = expires < now ? expires.AddHours(-1) : now,
            NotBefore = expires < now ? expires.AddHours(-1) : now,
            Expires = expires,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    public Task<McpRun> Mcp(string? token, params McpCall[] calls) => McpNodeClient.RunWithTokenAsync(McpUrl, token, calls);

    /// <summary>POST /mcp/{tool} with a JSON body and, when given, a bearer token.</summary>
    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> Rest(string tool, object? arguments, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Gateway.BaseUrl}/mcp/{tool}")
        {
            Content = new StringContent(JsonSerializer.Serialize(arguments ?? new { }), Encoding.UTF8, "application/json"),
        };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return ((int)response.StatusCode, body, response);
    }

    private static RsaSecurityKey NewKey(string id) => new(RSA.Create(2048)) { KeyId = id };

    private static string Jwks(RsaSecurityKey key)
    {
        var p = key.Rsa.ExportParameters(false);
        return JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = key.KeyId, n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) } },
        });
    }
}

[CollectionDefinition(Name)]
public sealed class SecuredGatewayCollection : ICollectionFixture<SecuredGatewayFixture>
{
    public const string Name = "secured gateway";
}
