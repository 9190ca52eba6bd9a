using System.Security.Claims;
using SwarmCluster.Contracts;

namespace SwarmCluster.Gateway.Security;

/// <summary>
/// What a caller may do. Scopes nest: admin ⊃ write ⊃ read, so a key with "write" can read, and "admin" can do
/// everything.
/// </summary>
public enum Scope
{
    None = 0,
    Read = 1,
    Write = 2,
    Admin = 3,
}

public static class Scopes
{
    public static readonly string[] Names = ["read", "write", "admin"];

    public static string Name(Scope scope) => scope.ToString().ToLowerInvariant();

    public static bool TryParse(string? text, out Scope scope)
    {
        scope = text?.Trim().ToLowerInvariant() switch
        {
            "read" => Scope.Read,
            "write" => Scope.Write,
            "admin" => Scope.Admin,
            _ => Scope.None,
        };
        return scope != Scope.None;
    }
}

/// <summary>
/// Who is calling a tool: a principal (an API key's name, a token's subject, or "local" without authentication),
/// its tenant and the highest scope it holds. Set once per tool call by <see cref="Mcp.ToolInvoker"/> for the
/// call's async flow, and carried to the grains (<see cref="TenantContext"/>).
/// </summary>
public sealed record Caller(string Principal, string Tenant, Scope Scope)
{
    public const string TenantClaim = "swarmcluster:tenant";
    public const string ScopeClaim = "swarmcluster:scope";

    private static readonly AsyncLocal<Caller?> Ambient = new();

    /// <summary>The one caller of a server without authentication (loopback, stdio): the implicit tenant, every scope.</summary>
    public static Caller Local { get; } = new("local", Tenants.Implicit, Scope.Admin);

    /// <summary>The caller of the tool call running in this async flow.</summary>
    public static Caller Current => Ambient.Value
        ?? throw new InvalidOperationException("no caller: tools run only through ToolInvoker");

    /// <summary>Makes this the caller for the rest of the current async flow (a tool call) and of its grain calls.</summary>
    public void Enter()
    {
        Ambient.Value = this;
        TenantContext.Set(Tenant, Principal);
    }

    public bool Has(Scope scope) => Scope >= scope;

    /// <summary>Throws the 403 answer when the caller lacks <paramref name="scope"/> for <paramref name="what"/>.</summary>
    public void Require(Scope scope, string what)
    {
        if (!Has(scope))
            throw new ForbiddenException(scope, $"{what} needs the '{Scopes.Name(scope)}' scope; {Describe()}");
    }

    public string Describe() =>
        Scope == Scope.None ? $"'{Principal}' holds no scope" : $"'{Principal}' holds '{Scopes.Name(Scope)}'";

    /// <summary>The claims an authentication handler gives a principal.</summary>
    public static ClaimsIdentity Identity(string scheme, string principal, string tenant, IEnumerable<Scope> scopes)
    {
        var identity = new ClaimsIdentity(scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, principal));
        identity.AddClaim(new Claim(TenantClaim, tenant));
        foreach (var scope in scopes.Distinct())
            identity.AddClaim(new Claim(ScopeClaim, Scopes.Name(scope)));
        return identity;
    }

    /// <summary>The caller an authenticated principal stands for; null when it is not authenticated or has no tenant.</summary>
    public static Caller? FromPrincipal(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true || user.FindFirst(TenantClaim)?.Value is not { } tenant || !Tenants.IsValid(tenant))
            return null;
        var scope = user.FindAll(ScopeClaim).Select(c => Scopes.TryParse(c.Value, out var s) ? s : Scope.None).DefaultIfEmpty(Scope.None).Max();
        return new Caller(user.Identity.Name ?? "unnamed", tenant, scope);
    }
}

/// <summary>The caller lacks a scope: 403 on HTTP, an isError result naming the scope over MCP.</summary>
public sealed class ForbiddenException(Scope needed, string message) : Exception(message)
{
    public Scope Needed { get; } = needed;
}

/// <summary>Turns a request's user into a caller: everybody is <see cref="Caller.Local"/> when authentication is off.</summary>
public sealed class CallerResolver(bool authenticationEnabled)
{
    public bool AuthenticationEnabled => authenticationEnabled;

    /// <summary>The caller, or null for an unauthenticated request to a server that requires authentication.</summary>
    public Caller? Resolve(ClaimsPrincipal? user) => authenticationEnabled ? Caller.FromPrincipal(user) : Caller.Local;
}
