using System.Net;
using System.Text;
using System.Text.Json;
using SwarmCluster.Gateway.Mcp;
using SwarmCluster.Gateway.Security;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests.Security;

/// <summary>Who gets in: the 401 matrix (keys and JWTs), what a valid principal sees, and the open health endpoints.</summary>
[Collection(SecuredGatewayCollection.Name)]
public sealed class AuthenticationTests(SecuredGatewayFixture f)
{
    private static readonly ToolCatalog Catalog = ToolCatalog.FromAssembly(typeof(GatewayHost).Assembly);

    [Fact]
    public async Task Missing_malformed_unknown_revoked_expired_and_misissued_credentials_get_401_pointing_at_the_metadata()
    {
        var refused = new Dictionary<string, string?>
        {
            ["no header"] = null,
            ["basic scheme"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:admin")),
            ["empty bearer"] = "Bearer ",
            ["malformed token"] = "Bearer not-a-jwt.at-all",
            ["unknown key"] = "Bearer " + ApiKeys.NewKey(),
            ["revoked key"] = "Bearer " + f.Key("revoked"),
            ["expired key"] = "Bearer " + f.Key("expired"),
            ["expired jwt"] = "Bearer " + f.Token(f.JwksKey, expiresIn: TimeSpan.FromHours(-1)),
            ["jwt for another audience"] = "Bearer " + f.Token(f.JwksKey, audience: "https://elsewhere.example/mcp"),
            ["jwt from another issuer"] = "Bearer " + f.Token(f.JwksKey, issuer: "https://evil.example"),
            ["jwt signed by an unknown key"] = "Bearer " + f.Token(f.UnknownKey),
            ["jwt without a tenant"] = "Bearer " + f.Token(f.JwksKey, tenant: null),
            ["jwt with a bad tenant"] = "Bearer " + f.Token(f.JwksKey, tenant: "Not-A-Tenant"),
        };
        string? metadataUrl = null;
        foreach (var (name, authorization) in refused)
        {
            foreach (var (path, body) in new[]
            {
                ("/mcp", """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"""),
                ("/mcp/swarm_plan", """{"objective":"build a parser"}"""),
            })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, f.Gateway.BaseUrl + path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Accept.ParseAdd("application/json");
                request.Headers.Accept.ParseAdd("text/event-stream");
                if (authorization is not null)
                    request.Headers.TryAddWithoutValidation("Authorization", authorization);
                using var response = await f.Http.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name} on {path}: {(int)response.StatusCode}");
                var challenge = response.Headers.WwwAuthenticate.ToString();
                Assert.Contains("Bearer", challenge);
                Assert.Contains("resource_metadata=", challenge);
                if (path == "/mcp")
                    metadataUrl = challenge[(challenge.IndexOf("resource_metadata=\"", StringComparison.Ordinal) + 19)..].Split('"')[0];
            }
        }

        // RFC 9728 metadata, open to anyone: the resource is this server's URL, the issuer its authorization server.
        using var metadata = await f.Http.GetAsync(metadataUrl);
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        var document = JsonDocument.Parse(await metadata.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(f.McpUrl, document.GetProperty("resource").GetString());
        Assert.Contains(SecuredGatewayFixture.Issuer, document.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["read", "write", "admin"], document.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Every_valid_key_and_token_is_served_and_rotated_keys_work_side_by_side()
    {
        var valid = SecuredGatewayFixture.Keys.Where(k => !k.Revoked && k.ExpiresAt?.StartsWith("2020", StringComparison.Ordinal) != true)
            .Select(k => (k.Name, f.Key(k.Name)))
            .Append(("jwt (JWKS key)", f.Token(f.JwksKey)))
            .Append(("jwt (PEM key)", f.Token(f.PemKey)))
            .Append(("jwt read-only", f.Token(f.PemKey, scope: "read")))
            .ToList();
        foreach (var (name, token) in valid)
        {
            var (status, body, _) = await f.Rest("swarm_plan", new { objective = "write a parser and test it" }, token);
            Assert.True(status == 200, $"{name}: {status} {body}");
            Assert.True(body.GetProperty("tasks").GetArrayLength() > 0, name);
        }

        // Two keys of one tenant (old and new during a rotation) see the same swarms.
        var (created, swarm, _) = await f.Rest("swarm_init", new { topology = "mesh" }, f.Key("acme-writer"));
        Assert.Equal(200, created);
        var id = swarm.GetProperty("id").GetString();
        var (seen, status2, _) = await f.Rest("swarm_status", new { swarmId = id }, f.Key("acme-writer-rotated"));
        Assert.Equal(200, seen);
        Assert.Equal(id, status2.GetProperty("swarmId").GetString());
        var (byToken, _, _) = await f.Rest("swarm_status", new { swarmId = id }, f.Token(f.JwksKey, tenant: "acme"));
        Assert.Equal(200, byToken);
    }

    [Fact]
    public async Task An_mcp_client_connects_with_a_key_is_refused_without_and_lists_only_the_tools_its_scope_allows()
    {
        var refused = await f.Mcp(null, ListTools());
        Assert.False(refused["connect"].Ok);
        Assert.Equal(401, refused["connect"].ErrorCode);

        foreach (var (name, scope) in new[] { ("acme-reader", Scope.Read), ("acme-writer", Scope.Write), ("acme-admin", Scope.Admin) })
        {
            var run = await f.Mcp(f.Key(name), ListTools());
            Assert.True(run["list"].Ok, $"{name}: {run["list"].ErrorMessage}");
            var listed = run["list"].Result.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).Order().ToList();
            var allowed = Catalog.Tools.Where(t => t.Scope <= scope).Select(t => t.Name).Order().ToList();
            Assert.Equal(allowed, listed);
        }

        // The admin tools are the ones the issue names, plus the cluster-wide features_detect.
        Assert.Equal(["benchmark_run", "features_detect", "swarm_destroy"], Catalog.Tools.Where(t => t.Scope == Scope.Admin).Select(t => t.Name).Order());
        Assert.Contains("memory_usage", Catalog.Tools.Where(t => t.Scope == Scope.Read).Select(t => t.Name));
    }

    [Fact]
    public async Task Health_endpoints_stay_open_and_the_dashboard_needs_admin()
    {
        foreach (var path in new[] { "/healthz", "/healthz/live", "/healthz/ready" })
        {
            using var response = await f.Http.GetAsync(f.Gateway.BaseUrl + path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
            var text = await response.Content.ReadAsStringAsync();
            // Nothing a stranger should see: no silo address, port, cluster or service id.
            Assert.DoesNotContain("127.0.0.1", text);
            Assert.DoesNotContain("swarmcluster", text);
            Assert.DoesNotContain("clusterId", text);
        }

        async Task<HttpStatusCode> Dashboard(string? key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, f.Gateway.BaseUrl + "/dashboard/");
            if (key is not null)
                request.Headers.Authorization = new("Bearer", key);
            using var response = await f.Http.SendAsync(request);
            return response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await Dashboard(null));
        Assert.Equal(HttpStatusCode.Forbidden, await Dashboard(f.Key("acme-writer")));
        Assert.Equal(HttpStatusCode.OK, await Dashboard(f.Key("acme-admin")));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_for_an_authenticated_caller_and_401_before_it_is_read_otherwise()
    {
        // Declared length and Expect: 100-continue: the answer comes before a byte of the body is sent.
        using var http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) }) { Timeout = TimeSpan.FromSeconds(60) };
        var body = new byte[10 * 1024 * 1024];
        body.AsSpan().Fill((byte)' ');
        body[0] = (byte)'{';
        body[^1] = (byte)'}';
        foreach (var (path, key, expected) in new[]
        {
            ("/mcp/memory_usage", f.Key("acme-writer"), HttpStatusCode.RequestEntityTooLarge),
            ("/mcp", f.Key("acme-writer"), HttpStatusCode.RequestEntityTooLarge),
            ("/mcp/memory_usage", null, HttpStatusCode.Unauthorized),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, f.Gateway.BaseUrl + path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.ExpectContinue = true;
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            if (key is not null)
                request.Headers.Authorization = new("Bearer", key);
            using var response = await http.SendAsync(request);
            Assert.True(expected == response.StatusCode, $"{path} {(key is null ? "without" : "with")} a key: {(int)response.StatusCode}");
        }
    }
}
