using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;
using SwarmCluster.Gateway.Security;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// How this build's gateway opens a bridge session: its answers to <c>initialize</c> (per protocol version a client
/// asks for) and to the first <c>tools/list</c>, as the gateway's own MCP server wrote them. Kept in the data
/// directory, so a bridge that has to start the gateway can open the client's session itself while the gateway
/// starts (<see cref="BridgeOpening"/>) instead of keeping the client waiting for seconds; the build writes one next to
/// its binaries for directories no gateway has served yet. Valid only for the build that wrote it: a bridge of another
/// build ignores it.
/// </summary>
internal sealed record BridgeGreeting(Guid Build, IReadOnlyDictionary<string, string> Initialize, string ToolsList)
{
    public const string FileName = "bridge-greeting.json";

    /// <summary>Protocol versions a greeting answers for: the MCP revisions clients ask for; any other goes to the gateway.</summary>
    public static readonly string[] ProtocolVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

    /// <summary>This build: the assembly's module version id (bridge and gateway run the same file).</summary>
    public static Guid CurrentBuild { get; } = typeof(BridgeGreeting).Assembly.ManifestModule.ModuleVersionId;

    /// <summary>The greeting in <paramref name="directory"/> when this build wrote it; null otherwise (missing, unreadable, another build).</summary>
    public static BridgeGreeting? TryRead(string directory)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, FileName)));
            var root = document.RootElement;
            if (!Guid.TryParse(root.GetProperty("build").GetString(), out var build) || build != CurrentBuild)
                return null;
            var initialize = root.GetProperty("initialize").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText(), StringComparer.Ordinal);
            return new BridgeGreeting(build, initialize, root.GetProperty("toolsList").GetRawText());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// The greeting a bridge on <paramref name="dataDirectory"/> may use: the one its gateway recorded there, else the
    /// one this build wrote next to its binaries (a directory no gateway of this build has served yet).
    /// </summary>
    public static BridgeGreeting? Find(string dataDirectory) => TryRead(dataDirectory) ?? TryRead(AppContext.BaseDirectory);

    /// <summary>
    /// <c>write-greeting DIR</c>, run by the build (target WriteBridgeGreeting): this build's greeting, recorded from
    /// the MCP server as the gateway configures it (no silo: initialize and tools/list need none), into DIR.
    /// </summary>
    public static async Task<int> WriteForBuildAsync(string directory)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSwarmGateway(builder.Configuration, "stdio");
        using var host = builder.Build();
        var services = host.Services;
        var greeting = await RecordAsync(services.GetRequiredService<IOptions<McpServerOptions>>().Value, services.GetRequiredService<ILoggerFactory>(), services, CancellationToken.None);
        Directory.CreateDirectory(directory);
        greeting.Write(directory);
        return 0;
    }

    /// <summary>Written whole or not at all (a bridge may read it at any moment).</summary>
    public void Write(string dataDirectory)
    {
        var json = new JsonObject
        {
            ["build"] = Build.ToString(),
            ["initialize"] = new JsonObject(Initialize.Select(p => KeyValuePair.Create(p.Key, JsonNode.Parse(p.Value)))),
            ["toolsList"] = JsonNode.Parse(ToolsList),
        };
        var path = Path.Combine(dataDirectory, FileName);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, json.ToJsonString());
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Opens one in-memory session per protocol version on this process's MCP server, as a bridge session (the local
    /// caller), and keeps what it answers to initialize and tools/list.
    /// </summary>
    public static async Task<BridgeGreeting> RecordAsync(McpServerOptions options, ILoggerFactory loggers, IServiceProvider services, CancellationToken cancellationToken)
    {
        LocalSessions.Enter(); // what a bridge session is: the tools/list of the local admin
        var initialize = new Dictionary<string, string>(StringComparer.Ordinal);
        string? toolsList = null;
        foreach (var version in ProtocolVersions)
        {
            var toServer = new Pipe();
            var toClient = new Pipe();
            var transport = new StreamServerTransport(toServer.Reader.AsStream(), toClient.Writer.AsStream(), GatewayHost.ServerName, loggers);
            await using var server = McpServer.Create(transport, options, loggers, services);
            var serving = server.RunAsync(cancellationToken);
            var input = new LineWriter(toServer.Writer.AsStream());
            var output = new LineReader(toClient.Reader.AsStream());

            input.WriteLine(Encoding.UTF8.GetBytes(new JsonObject
            {
                ["jsonrpc"] = "2.0", ["id"] = "initialize", ["method"] = "initialize",
                ["params"] = new JsonObject
                {
                    ["protocolVersion"] = version,
                    ["capabilities"] = new JsonObject(),
                    ["clientInfo"] = new JsonObject { ["name"] = "swarmcluster-bridge-greeting", ["version"] = GatewayHost.Version },
                },
            }.ToJsonString()));
            // A version this server refuses is not recorded: a client asking for it gets the refusal from the gateway.
            if (await ResultAsync(output, "initialize", cancellationToken) is { } result)
                initialize[version] = result;
            if (toolsList is null && initialize.ContainsKey(version))
            {
                input.WriteLine("""{"jsonrpc":"2.0","method":"notifications/initialized"}"""u8);
                input.WriteLine("""{"jsonrpc":"2.0","id":"tools","method":"tools/list"}"""u8);
                toolsList = await ResultAsync(output, "tools", cancellationToken)
                    ?? throw new InvalidOperationException("The MCP server refused the greeting's tools/list");
            }
            await toServer.Writer.CompleteAsync();
            await serving;
        }
        return new BridgeGreeting(CurrentBuild, initialize, toolsList ?? throw new InvalidOperationException("The MCP server accepted no protocol version"));
    }

    /// <summary>The result the server answered request <paramref name="id"/> with; null when it answered with an error.</summary>
    private static async Task<string?> ResultAsync(LineReader output, string id, CancellationToken cancellationToken)
    {
        while (await output.ReadLineAsync(cancellationToken) is { } line)
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.TryGetProperty("id", out var answered) && answered.ValueKind == JsonValueKind.String && answered.GetString() == id)
                return root.TryGetProperty("result", out var result) ? result.GetRawText() : null;
        }
        throw new InvalidOperationException($"The MCP server closed the greeting's session before answering {id}");
    }
}

/// <summary>Records this build's greeting in the data directory this gateway owns, once it has started.</summary>
internal sealed class GreetingRecorder(IOptions<McpServerOptions> options, ILoggerFactory loggers, IServiceProvider services, ILogger<GreetingRecorder> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<DataDirectoryLock>() is not { } owned)
            return;
        await Task.Yield(); // off the host's start
        try
        {
            if (BridgeGreeting.TryRead(owned.DataDirectory) is not null)
                return; // this build's, already there
            var greeting = await BridgeGreeting.RecordAsync(options.Value, loggers, services, stoppingToken);
            greeting.Write(owned.DataDirectory);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Bridges then wait for the gateway as they always could; nothing else depends on it.
            logger.LogWarning(e, "Could not record the bridge greeting in {Directory}", owned.DataDirectory);
        }
    }
}
