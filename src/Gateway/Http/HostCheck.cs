namespace SwarmCluster.Gateway.Http;

/// <summary>
/// Refuses requests whose Host (or Origin) is not this machine or a configured name: a web page on another
/// site could otherwise reach the local MCP endpoint through DNS rebinding. /healthz stays open for probes.
/// </summary>
public sealed class HostCheck(RequestDelegate next, GatewayOptions options, ILogger<HostCheck> logger)
{
    private static readonly string[] Loopback = ["localhost", "127.0.0.1", "::1"];
    private readonly HashSet<string> _allowed = new(Loopback.Concat(options.AllowedHosts.Select(Normalize)), StringComparer.OrdinalIgnoreCase);
    private readonly bool _anyHost = options.AllowedHosts.Contains("*");

    public Task InvokeAsync(HttpContext context)
    {
        if (_anyHost || context.Request.Path.StartsWithSegments("/healthz"))
            return next(context);

        var host = Normalize(context.Request.Host.Host);
        var origin = context.Request.Headers.Origin.ToString();
        string? refused = null;
        if (!_allowed.Contains(host))
            refused = $"host '{context.Request.Host.Host}'";
        else if (origin.Length > 0 && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && _allowed.Contains(Normalize(uri.Host))))
            refused = $"origin '{origin}'";

        if (refused is null)
            return next(context);

        logger.LogWarning("Refused request to {Path} from {What}", context.Request.Path, refused);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return context.Response.WriteAsJsonAsync(new
        {
            error = new
            {
                kind = "forbidden",
                message = $"{refused} is not allowed; allowed: localhost, 127.0.0.1, [::1] and SwarmCluster:AllowedHosts",
            },
        });
    }

    // "[::1]" and "::1", "LocalHost." and "localhost" are the same host.
    private static string Normalize(string host) => host.Trim().TrimStart('[').TrimEnd(']').TrimEnd('.').ToLowerInvariant();
}
