namespace SwarmCluster.Gateway.Http;

/// <summary>
/// Refuses requests whose Host is not this machine or a configured name (a page elsewhere could otherwise
/// reach the local MCP endpoint through DNS rebinding), and requests whose Origin is not an allowed origin,
/// compared as scheme + host + port: by default only the server's own (the scheme, host and port the request
/// came to; on loopback any loopback name for that port), plus SwarmCluster:AllowedOrigins. A page on
/// another port of localhost is another origin. /healthz and /metrics stay open for probes and scrapers.
/// </summary>
public sealed class HostCheck(RequestDelegate next, GatewayOptions options, ILogger<HostCheck> logger)
{
    private static readonly string[] Loopback = ["localhost", "127.0.0.1", "::1"];
    private readonly HashSet<string> _allowedHosts = new(Loopback.Concat(options.AllowedHosts.Select(Normalize)), StringComparer.OrdinalIgnoreCase);
    private readonly bool _anyHost = options.AllowedHosts.Contains("*");
    private readonly HashSet<string> _allowedOrigins = new(
        options.AllowedOrigins.Where(o => o != "*").Select(o => Origin(o) ?? throw new InvalidOperationException(
            $"SwarmCluster:AllowedOrigins: '{o}' is not an origin (scheme://host[:port], e.g. http://localhost:3000)")),
        StringComparer.Ordinal);
    private readonly bool _anyOrigin = options.AllowedOrigins.Contains("*");

    public Task InvokeAsync(HttpContext context)
    {
        // Probes and scrapers reach pods by IP; both answers are read-only figures.
        if (context.Request.Path.StartsWithSegments("/healthz") || context.Request.Path.StartsWithSegments("/metrics"))
            return next(context);

        var request = context.Request;
        var host = Normalize(request.Host.Host);
        var origin = request.Headers.Origin.ToString();
        string? refused = null;
        if (!_anyHost && !_allowedHosts.Contains(host))
            refused = $"host '{Shorten(request.Host.Host)}' is not allowed; allowed: localhost, 127.0.0.1, [::1] and SwarmCluster:AllowedHosts";
        else if (origin.Length > 0 && !_anyOrigin && !IsAllowedOrigin(origin, request))
            refused = $"origin '{Shorten(origin)}' is not allowed; allowed: this server's own origin ({Own(request)}) and SwarmCluster:AllowedOrigins";

        if (refused is null)
            return next(context);

        logger.LogWarning("Refused request to {Path}: {Reason}", request.Path, refused);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return context.Response.WriteAsJsonAsync(new { error = new { kind = "forbidden", message = refused } });
    }

    private bool IsAllowedOrigin(string origin, HttpRequest request)
    {
        if (Origin(origin) is not { } normalized)
            return false; // "null" (sandboxed pages, file://) and anything unparsable
        if (normalized == Own(request) || _allowedOrigins.Contains(normalized))
            return true;
        // The same server under another loopback name: same scheme and port, both ends on loopback.
        var uri = new Uri(origin);
        return Loopback.Contains(Normalize(uri.Host)) && Loopback.Contains(Normalize(request.Host.Host))
            && uri.Scheme.Equals(request.Scheme, StringComparison.OrdinalIgnoreCase) && uri.Port == Port(request);
    }

    /// <summary>scheme://host:port, lower case, the default port written out; null when it is not an http(s) origin.</summary>
    public static string? Origin(string text)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Query.Length > 0)
            return null;
        return $"{uri.Scheme}://{Normalize(uri.Host)}:{uri.Port}";
    }

    private static string Own(HttpRequest request) => $"{request.Scheme.ToLowerInvariant()}://{Normalize(request.Host.Host)}:{Port(request)}";

    private static int Port(HttpRequest request) => request.Host.Port ?? (request.IsHttps ? 443 : 80);

    // "[::1]" and "::1", "LocalHost." and "localhost" are the same host.
    private static string Normalize(string host) => host.Trim().TrimStart('[').TrimEnd(']').TrimEnd('.').ToLowerInvariant();

    private static string Shorten(string text) => text.Length > 100 ? text[..97] + "..." : text;
}
