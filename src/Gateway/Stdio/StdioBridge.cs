using System.Text.Json;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>What a bridge was told on its command line and environment.</summary>
internal sealed record BridgeOptions(string DataDirectory, Uri? Connect, string? ListenUrls, IReadOnlyList<string> ServerArguments, string? Token = null)
{
    public const string ConnectVariable = "SWARM_GATEWAY_URL";

    /// <summary>The API key or token a --connect bridge sends (Authorization: Bearer); the local socket needs none.</summary>
    public const string TokenVariable = "SWARM_API_KEY";

    /// <summary>
    /// --data-dir (else SWARM_DATA_DIR, SwarmCluster__DataDirectory, appsettings.json, ./data: the gateway's order),
    /// --connect URL (else SWARM_GATEWAY_URL) with --token KEY (else SWARM_API_KEY), --urls for a gateway it starts;
    /// any other argument goes to that gateway.
    /// </summary>
    public static BridgeOptions Parse(string[] args)
    {
        string? dataDirectory = null, connect = null, urls = null, token = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var (name, inline) = args[i].Split('=', 2) is [var n, var v] && n.StartsWith("--", StringComparison.Ordinal) ? (n, v) : (args[i], null);
            string Value() => inline ?? (i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value"));
            switch (name)
            {
                case "--stdio":
                    break;
                case "--data-dir":
                    dataDirectory = Value();
                    break;
                case "--connect":
                    connect = Value();
                    break;
                case "--urls":
                    urls = Value();
                    break;
                case "--token":
                    token = Value();
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        connect ??= NullIfBlank(Environment.GetEnvironmentVariable(ConnectVariable));
        Uri? endpoint = null;
        if (connect is not null && (!Uri.TryCreate(connect, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
            throw new ArgumentException($"--connect must be the absolute http(s) URL of a gateway's MCP endpoint, e.g. http://127.0.0.1:8765/mcp (got '{connect}')");

        if (token is not null && endpoint is null)
            throw new ArgumentException("--token goes with --connect URL: the local gateway's socket admits only its owner and needs no key");
        if (endpoint is not null)
            token ??= NullIfBlank(Environment.GetEnvironmentVariable(TokenVariable));

        dataDirectory ??= NullIfBlank(Environment.GetEnvironmentVariable("SWARM_DATA_DIR"))
            ?? NullIfBlank(Environment.GetEnvironmentVariable("SwarmCluster__DataDirectory"))
            ?? ConfiguredDataDirectory()
            ?? "./data";
        return new BridgeOptions(Path.GetFullPath(dataDirectory), endpoint, urls, rest, token?.Trim());
    }

    private static string? ConfiguredDataDirectory()
    {
        try
        {
            var file = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
            if (!File.Exists(file))
                return null;
            using var document = JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return document.RootElement.TryGetProperty("SwarmCluster", out var section) && section.TryGetProperty("DataDirectory", out var value)
                && value.ValueKind == JsonValueKind.String ? NullIfBlank(value.GetString()) : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>
/// <c>--stdio</c>: a thin bridge from the client's stdin/stdout to the machine's one gateway for the data directory
/// (started in the background when none runs), or to <c>--connect URL</c>. Loads neither Orleans nor ASP.NET. On
/// Linux it hands the client's stdin and stdout to the gateway (<see cref="HandoffBridge"/>); elsewhere, or with
/// SWARM_BRIDGE_MODE=relay, it relays the lines.
/// </summary>
internal static class StdioBridge
{
    /// <summary>"relay" makes the bridge relay lines itself even where it could hand the client over (Linux).</summary>
    public const string ModeVariable = "SWARM_BRIDGE_MODE";

    public static int Run(string[] args)
    {
        BridgeOptions options;
        try
        {
            options = BridgeOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"swarmcluster --stdio: {e.Message}");
            return 2;
        }

        if (options.Connect is { } url)
        {
            var front = new StdioFront(Console.OpenStandardInput(), Console.OpenStandardOutput());
            return front.Run(new HttpPeer(front, url, options.Token));
        }

        // Connect while the client is still writing its first lines; when no gateway is ready, open the client's
        // session from this build's greeting meanwhile (a gateway start takes seconds, listing the tools need not).
        var greeting = UnixFds.Supported && !LocalGateway.IsReady(options.DataDirectory) ? BridgeGreeting.Find(options.DataDirectory) : null;
        var gateway = new LocalGateway(options);
        var first = gateway.ConnectAsync(CancellationToken.None);
        var opened = greeting is null ? OpenedSession.None : BridgeOpening.Serve(greeting, first);
        if (opened.EndOfInput && opened.Unread.IsEmpty)
            return 0; // every request was answered here; the gateway starts for the next session all the same
        if (UnixFds.Supported && Environment.GetEnvironmentVariable(ModeVariable) is null or "" or "handoff")
            return HandoffBridge.Run(gateway, first, opened);

        var relay = new StdioFront(Console.OpenStandardInput(), Console.OpenStandardOutput(), opened.Unread);
        var used = 0;
        PeerConnection Connect() => LocalGateway.Relay(
            (Interlocked.Exchange(ref used, 1) == 0 ? first : gateway.ConnectAsync(CancellationToken.None)).GetAwaiter().GetResult());
        return relay.Run(new StreamPeer(relay, Connect, opened.Initialize, opened.Initialized));
    }
}
