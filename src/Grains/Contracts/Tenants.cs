namespace SwarmCluster.Contracts;

/// <summary>
/// Tenant names. Every caller belongs to one tenant; swarms, agents, tasks, memory namespaces, the registry and the
/// usage counts are per tenant. <see cref="Implicit"/> is the one tenant of a server without authentication: its
/// ids and stored rows are exactly those made before tenants existed.
/// </summary>
public static class Tenants
{
    /// <summary>The implicit tenant. A key or token naming "default" reaches the data of the embedded default.</summary>
    public const string Implicit = "default";

    public const int MaxLength = 24;

    /// <summary>What a tenant name may be: ids embed it, so it stays short, lower case, and has no '-'.</summary>
    public const string Rule = "1-24 characters: lower-case letters, digits and '_', starting with a letter";

    public static bool IsImplicit(string? tenant) => tenant is null or Implicit;

    public static bool IsValid(string? tenant) =>
        tenant is { Length: > 0 and <= MaxLength } && char.IsAsciiLetterLower(tenant[0])
        && tenant.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    public static string Check(string tenant) =>
        IsValid(tenant) ? tenant : throw new ArgumentException($"tenant '{tenant}' is not a tenant name ({Rule})", nameof(tenant));
}
