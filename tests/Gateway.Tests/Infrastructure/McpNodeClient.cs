using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmCluster.Gateway.Tests.Infrastructure;

/// <summary>One request for the Node client: tools/list, ping or tools/call.</summary>
public sealed record McpCall(string Id, string Method, string? Name = null, object? Arguments = null)
{
    public static McpCall Tool(string id, string name, object? arguments = null) => new(id, "tools/call", name, arguments);

    public static McpCall ListTools(string id = "list") => new(id, "tools/list");

    public static McpCall Ping(string id = "ping") => new(id, "ping");

    /// <summary>A reference to an earlier call's structured result, resolved by the client: "${id.result.structuredContent.path}".</summary>
    public static string Ref(string id, string path = "id") => $"${{{id}.result.structuredContent.{path}}}";
}

/// <summary>What one call returned.</summary>
public sealed record McpOutcome(string Id, bool Ok, double Ms, JsonElement Result, int? ErrorCode, string? ErrorMessage)
{
    public bool IsError => Ok && Result.TryGetProperty("isError", out var e) && e.ValueKind == JsonValueKind.True;

    public string Text => Result.GetProperty("content")[0].GetProperty("text").GetString() ?? "";

    /// <summary>The structured content of a successful tool call (fails the test otherwise).</summary>
    public JsonElement Success
    {
        get
        {
            Assert.True(Ok, $"{Id}: protocol error {ErrorCode}: {ErrorMessage}");
            Assert.False(IsError, $"{Id}: tool error: {Text}");
            return Result.GetProperty("structuredContent");
        }
    }

    /// <summary>Asserts an isError result and returns its error object (kind, parameter, message).</summary>
    public JsonElement ToolError(string kind, string? messageContains = null)
    {
        Assert.True(Ok, $"{Id}: protocol error {ErrorCode}: {ErrorMessage}");
        Assert.True(IsError, $"{Id}: expected an error ({kind}) but got {Result}");
        var error = Result.GetProperty("structuredContent").GetProperty("error");
        Assert.Equal(kind, error.GetProperty("kind").GetString());
        if (messageContains is not null)
            Assert.Contains(messageContains, Text);
        Assert.Equal(error.GetProperty("message").GetString(), Text);
        return error;
    }
}

public sealed class McpRun(IReadOnlyDictionary<string, McpOutcome> outcomes, JsonElement serverInfo, TimeSpan elapsed)
{
    public McpOutcome this[string id] => outcomes.TryGetValue(id, out var o) ? o : throw new KeyNotFoundException($"no call '{id}'");

    public IReadOnlyCollection<McpOutcome> All => outcomes.Values.ToList();

    public JsonElement ServerInfo => serverInfo;

    public TimeSpan Elapsed => elapsed;
}

/// <summary>
/// Runs tests/Gateway.Tests/client/client.mjs, which talks to the gateway with the official MCP TypeScript SDK
/// (StreamableHTTPClientTransport): a third-party client, so the tests see what Claude's tooling sees.
/// </summary>
public static class McpNodeClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task<McpRun> RunAsync(string url, IEnumerable<McpCall> calls, bool concurrent = false, TimeSpan? timeout = null) =>
        RunAsync(new JsonObject { ["url"] = url }, calls, concurrent, timeout);

    /// <summary>Over stdio: the client starts <c>dotnet &lt;gateway dll&gt; args…</c> itself, as Claude does.</summary>
    public static Task<McpRun> RunStdioAsync(IEnumerable<string> gatewayArgs, IDictionary<string, string> environment, IEnumerable<McpCall> calls,
        bool concurrent = false, TimeSpan? timeout = null) =>
        RunAsync(new JsonObject
        {
            ["stdio"] = new JsonObject
            {
                ["command"] = "dotnet",
                ["args"] = new JsonArray([TestPaths.GatewayDll, .. gatewayArgs.Select(a => (JsonNode)a)]),
                ["env"] = new JsonObject(environment.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))),
                ["cwd"] = Path.GetTempPath(),
            },
        }, calls, concurrent, timeout);

    private static async Task<McpRun> RunAsync(JsonObject spec, IEnumerable<McpCall> calls, bool concurrent, TimeSpan? timeout)
    {
        EnsureInstalled();
        spec["concurrent"] = concurrent;
        spec["calls"] = JsonSerializer.SerializeToNode(calls.Select(c => new { c.Id, c.Method, c.Name, c.Arguments }).ToList(), Json);
        return await RunSpecAsync(spec.ToJsonString(), timeout);
    }

    /// <summary>
    /// Calls with a bearer token on every request (null: none). A refused connection is the outcome "connect"
    /// (its ErrorCode is the HTTP status) instead of an exception.
    /// </summary>
    public static Task<McpRun> RunWithTokenAsync(string url, string? token, params McpCall[] calls) => RunWithTokenAsync(url, token, false, calls);

    public static async Task<McpRun> RunWithTokenAsync(string url, string? token, bool concurrent, IEnumerable<McpCall> calls)
    {
        EnsureInstalled();
        var spec = new JsonObject
        {
            ["url"] = url,
            ["concurrent"] = concurrent,
            ["reportConnectError"] = true,
            ["calls"] = JsonSerializer.SerializeToNode(calls.Select(c => new { c.Id, c.Method, c.Name, c.Arguments }).ToList(), Json),
        };
        if (token is not null)
            spec["headers"] = new JsonObject { ["Authorization"] = "Bearer " + token };
        return await RunSpecAsync(spec.ToJsonString());
    }

    /// <summary>Runs a spec written by the caller (JSON text in client.mjs's input format, e.g. with raw argument text).</summary>
    public static async Task<McpRun> RunSpecAsync(string specJson, TimeSpan? timeout = null)
    {
        EnsureInstalled();
        var file = Path.Combine(Path.GetTempPath(), $"mcp-calls-{Guid.NewGuid():n}.json");
        await File.WriteAllTextAsync(file, specJson);
        try
        {
            var info = new ProcessStartInfo("node")
            {
                WorkingDirectory = TestPaths.ClientDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add("client.mjs");
            info.ArgumentList.Add(file);

            var watch = Stopwatch.StartNew();
            using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"node client did not finish in time; stderr:\n{await stderr}");
            }

            var output = await stdout;
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"node client failed ({process.ExitCode}):\n{await stderr}\n{output}");

            var outcomes = new Dictionary<string, McpOutcome>();
            JsonElement serverInfo = default;
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var element = JsonDocument.Parse(line).RootElement;
                if (element.TryGetProperty("done", out _))
                {
                    serverInfo = element.GetProperty("serverInfo");
                    continue;
                }
                var id = element.GetProperty("id").GetString()!;
                var ok = element.GetProperty("ok").GetBoolean();
                var error = ok ? default : element.GetProperty("error");
                outcomes[id] = new McpOutcome(id, ok, element.GetProperty("ms").GetDouble(),
                    ok ? element.GetProperty("result") : default,
                    ok || error.GetProperty("code").ValueKind != JsonValueKind.Number ? null : error.GetProperty("code").GetInt32(),
                    ok ? null : error.GetProperty("message").GetString());
            }
            return new McpRun(outcomes, serverInfo, watch.Elapsed);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static Task<McpRun> RunAsync(string url, params McpCall[] calls) => RunAsync(url, calls, false);

    /// <summary>The client is installed by `npm ci` (scripts/test.sh); without it these tests must fail, not skip.</summary>
    public static void EnsureInstalled()
    {
        var sdk = Path.Combine(TestPaths.ClientDirectory, "node_modules", "@modelcontextprotocol", "sdk", "package.json");
        if (!File.Exists(sdk))
            Assert.Fail($"The Node MCP client is not installed: {sdk} is missing. Run `npm ci` in {TestPaths.ClientDirectory} " +
                        "(scripts/test.sh does this; it needs node and npm: apt-get install -y nodejs npm).");
    }
}
