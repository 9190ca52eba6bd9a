using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.AspNetCore.Authentication;
using ModelContextProtocol.Authentication;
using SwarmCluster.Contracts;
using SwarmCluster.Gateway.Mcp;

namespace SwarmCluster.Gateway.Security;

/// <summary>
/// The HTTP gateway's security: who may call (API keys and JWTs, the MCP authorization spec's 401 with protected
/// resource metadata), how often (a token bucket per principal), where it may listen without authentication
/// (loopback only, unless explicitly allowed), and what a failure tells the client (a correlation id, never details).
/// </summary>
public static class GatewaySecurity
{
    public const string SelectorScheme = "SwarmCluster";
    public const string ApiKeyScheme = "ApiKey";
    public const string JwtScheme = JwtBearerDefaults.AuthenticationScheme;
    public const string CallerPolicy = "swarmcluster-caller";
    public const string AdminPolicy = "swarmcluster-admin";

    public static void AddGatewaySecurity(this WebApplicationBuilder builder, AuthSettings auth)
    {
        builder.Services.AddSingleton(auth);
        builder.Services.AddSingleton(new CallerResolver(auth.Enabled));
        if (!auth.Enabled)
            return;

        // Authentication brings data protection along; bearer tokens never use it, so its key-storage warning is noise.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.Services.AddSingleton(new ApiKeyStore(auth));
        builder.Services.AddSingleton(TimeProvider.System);
        var authentication = builder.Services.AddAuthentication(o =>
        {
            o.DefaultScheme = SelectorScheme;
            // 401 answers point at the protected resource metadata (MCP authorization spec, RFC 9728).
            o.DefaultChallengeScheme = McpAuthenticationDefaults.AuthenticationScheme;
        })
        .AddPolicyScheme(SelectorScheme, "API key or JWT", o => o.ForwardDefaultSelector = context =>
            auth.Jwt is null || ApiKeys.LooksLikeKey(ApiKeys.BearerToken(context.Request)) ? ApiKeyScheme : JwtScheme)
        .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyScheme, null)
        .AddMcp(o =>
        {
            o.ResourceMetadata = Metadata(auth, auth.Resource);
            if (auth.Resource is null)
                // No configured URL: describe the resource the client reached (behind a proxy, configure Resource).
                o.Events.OnResourceMetadataRequest = context =>
                {
                    var request = context.HttpContext.Request;
                    context.ResourceMetadata = Metadata(auth, $"{request.Scheme}://{request.Host}{GatewayHost.McpPath}");
                    return Task.CompletedTask;
                };
        });
        if (auth.Jwt is { } jwt)
            authentication.AddJwtBearer(JwtScheme, o => ConfigureJwt(o, jwt));

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(CallerPolicy, p => p.RequireAuthenticatedUser().RequireClaim(Caller.TenantClaim))
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireClaim(Caller.ScopeClaim, Scopes.Name(Scope.Admin)));

        builder.Services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                Caller.FromPrincipal(context.User) is { } caller
                    ? RateLimitPartition.GetTokenBucketLimiter($"{context.User.Identity!.AuthenticationType}/{caller.Tenant}/{caller.Principal}",
                        _ => new TokenBucketRateLimiterOptions
                        {
                            TokenLimit = auth.RateLimit.Burst,
                            TokensPerPeriod = auth.RateLimit.PermitsPerSecond,
                            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                            QueueLimit = 0,
                            AutoReplenishment = true,
                        })
                    : RateLimitPartition.GetNoLimiter("")); // unauthenticated requests get their 401 without a body read
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, cancellationToken) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return new ValueTask(WriteError(context.HttpContext, StatusCodes.Status429TooManyRequests, "rate_limited",
                    $"rate limit: at most {auth.RateLimit.PermitsPerSecond} requests per second (bursts of {auth.RateLimit.Burst}) per key or " +
                    $"token subject ({AuthSettings.RateLimitSection}); retry after {seconds} s", cancellationToken));
            };
        });
    }

    /// <summary>Authentication, the rate limit and authorization, between the Host check and the body guard.</summary>
    public static void UseGatewaySecurity(this WebApplication app, AuthSettings auth)
    {
        if (!auth.Enabled)
            return;
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
    }

    /// <summary>The endpoint needs an authenticated caller (admin: the admin scope) once authentication is on.</summary>
    public static TBuilder RequireCaller<TBuilder>(this TBuilder endpoint, AuthSettings auth, bool admin = false) where TBuilder : IEndpointConventionBuilder =>
        auth.Enabled ? endpoint.RequireAuthorization(admin ? AdminPolicy : CallerPolicy) : endpoint;

    /// <summary>Unhandled failures answer 500 with a correlation id; the exception goes to the log only.</summary>
    public static void UseGenericErrors(this WebApplication app) => app.UseExceptionHandler(new ExceptionHandlerOptions
    {
        SuppressDiagnosticsCallback = _ => true, // logged below, with the correlation id
        ExceptionHandler = context =>
        {
            var id = ToolError.NewCorrelationId();
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            app.Logger.LogError(error, "{Method} {Path} failed (correlation id {CorrelationId})", context.Request.Method, context.Request.Path, id);
            return WriteError(context, StatusCodes.Status500InternalServerError, ToolError.Internal,
                $"internal error (correlation id {id}; the details are in the server log)", context.RequestAborted);
        },
    });

    /// <summary>
    /// Why the gateway must not start: it would listen beyond loopback with no authentication configured and no
    /// explicit opt-out. Null when it may start.
    /// </summary>
    public static string? RefusalToStart(IConfiguration configuration, AuthSettings auth, string defaultUrl)
    {
        if (auth.Enabled || auth.AllowAnonymous)
            return null;
        var exposed = NonLoopbackEndpoints(configuration, defaultUrl);
        if (exposed.Count == 0)
            return null;
        return $"SwarmCluster refuses to start: it would listen on {string.Join(", ", exposed)}, which other machines can reach, and no " +
               "authentication is configured. Either\n" +
               "  - create an API key: dotnet run --project src/Gateway -- create-key --tenant TENANT --scopes read,write\n" +
               "    and set the printed entry as SwarmCluster:Auth:ApiKeys:0 (environment: SwarmCluster__Auth__ApiKeys__0__Name, __Tenant, __Scopes, __Hash), or\n" +
               "  - validate JWTs: SwarmCluster:Auth:Resource (this server's URL, e.g. https://swarm.example.com/mcp) and\n" +
               "    SwarmCluster:Auth:Jwt:Authority (your identity provider), or local keys in SwarmCluster:Auth:Jwt:SigningKeys with Jwt:Issuer, or\n" +
               $"  - listen on loopback only (--urls {defaultUrl}).\n" +
               "To serve without authentication anyway (behind a proxy that authenticates), set SwarmCluster:Auth:AllowAnonymous=true.";
    }

    /// <summary>The warning every start of an opted-out, exposed gateway logs.</summary>
    public static void WarnIfAnonymous(IConfiguration configuration, AuthSettings auth, string defaultUrl, ILogger logger)
    {
        if (!auth.Enabled && auth.AllowAnonymous && NonLoopbackEndpoints(configuration, defaultUrl) is { Count: > 0 } exposed)
            logger.LogWarning("SERVING WITHOUT AUTHENTICATION on {Endpoints} (SwarmCluster:Auth:AllowAnonymous=true): anyone who reaches " +
                              "these addresses can read, change and destroy every swarm and memory namespace", string.Join(", ", exposed));
    }

    /// <summary>Configured listen addresses that are not loopback (urls, http(s)_ports, Kestrel endpoints).</summary>
    public static IReadOnlyList<string> NonLoopbackEndpoints(IConfiguration configuration, string defaultUrl)
    {
        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        urls.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        foreach (var ports in new[] { configuration["http_ports"], configuration["https_ports"] })
            if (!string.IsNullOrWhiteSpace(ports))
                urls.Add($"*:{ports}"); // ports alone listen on every interface
        if (urls.Count == 0)
            urls.Add(defaultUrl);
        return urls.Where(u => !IsLoopback(u)).ToList();
    }

    public static bool IsLoopback(string url)
    {
        var host = url;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
            host = host[(scheme + 3)..];
        host = host.Split('/', 2)[0];
        host = host.StartsWith('[') ? host[1..Math.Max(1, host.IndexOf(']'))] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }

    private static ProtectedResourceMetadata Metadata(AuthSettings auth, string? resource)
    {
        var metadata = new ProtectedResourceMetadata
        {
            ResourceName = "SwarmCluster",
            ScopesSupported = [.. Scopes.Names],
            BearerMethodsSupported = ["header"],
        };
        if (resource is not null)
            metadata.Resource = resource;
        if (auth.Jwt is { } jwt)
            metadata.AuthorizationServers = [jwt.Authority ?? jwt.Issuer];
        return metadata;
    }

    private static void ConfigureJwt(JwtBearerOptions o, JwtSettings jwt)
    {
        o.MapInboundClaims = false; // keep sub, scope and the tenant claim as the token names them
        if (jwt.Authority is not null)
        {
            o.Authority = jwt.Authority;
            o.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        }
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = jwt.Issuer,
            ValidAudience = jwt.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            IssuerSigningKeys = jwt.SigningKeys,
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = "sub",
        };
        o.Events = new JwtBearerEvents
        {
            // The token's tenant and scopes become the caller's; a token without a usable tenant is refused (401).
            OnTokenValidated = context =>
            {
                var token = context.Principal!;
                var tenant = jwt.Tenant ?? token.FindFirst(jwt.TenantClaim)?.Value;
                if (tenant is null || !Tenants.IsValid(tenant))
                {
                    context.Fail(tenant is null ? $"the token has no '{jwt.TenantClaim}' claim" : $"the token's tenant '{tenant}' is not a tenant name");
                    return Task.CompletedTask;
                }
                var scopes = token.FindAll("scope").Concat(token.FindAll("scp"))
                    .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    .Select(s => Scopes.TryParse(s, out var scope) ? scope : Scope.None).Where(s => s != Scope.None);
                var subject = token.FindFirst("sub")?.Value ?? token.FindFirst("client_id")?.Value ?? "token";
                context.Principal = new ClaimsPrincipal(Caller.Identity(JwtScheme, subject, tenant, scopes));
                return Task.CompletedTask;
            },
        };
    }

    private static Task WriteError(HttpContext context, int status, string kind, string message, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { error = new { kind, message } }), cancellationToken);
    }
}
