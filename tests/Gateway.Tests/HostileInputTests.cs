using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SwarmCluster.Contracts;
using SwarmCluster.Gateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// Generated bad input for every tool and every parameter, derived at run time from the published input
/// schemas (tools/list), over MCP (the Node SDK client), the REST mirror and raw JSON-RPC posts. Every case
/// must get a clean error naming the parameter the client sent, or a legitimate accept; never a 5xx or an
/// unnamed error; the gateway must stay healthy after each batch; and nothing from a call that answered an
/// error may be found in storage afterwards. Own gateway process: it also measures memory under the abuse.
/// </summary>
[Collection(Name)]
public sealed class HostileInputTests(ITestOutputHelper output) : IAsyncLifetime
{
    public const string Name = "hostile input";

    private const int SettleSeconds = 15;

    // Calls in flight per transport: tools that wait (swarm_monitor's default 10 s window) overlap the rest.
    private const int Concurrency = 8;
    private readonly string _dataDirectory = TestPaths.NewTempDirectory("hostile");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly List<string> _violations = [];
    private readonly HashSet<string> _answeredWithError = new(StringComparer.Ordinal);
    private GatewayProcess _gateway = null!;
    private Dictionary<string, JsonElement> _schemas = null!;
    private int _calls;
    private readonly Dictionary<string, int> _outcomes = [];

    [Fact]
    public async Task GeneratedBadInput_GetsNamedErrorsOrLegitimateAccepts_OnEveryTransport_AndNothingRefusedIsStored()
    {
        var siloPort = GatewayProcess.FreePort();
        // No GatewayPort setting: the embedded default must not open an Orleans client gateway port.
        _gateway = await GatewayProcess.StartAsync(_dataDirectory, new Dictionary<string, string?>
        {
            ["SwarmCluster__GatewayPort"] = null,
            ["SwarmCluster__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
        });
        var pid = _gateway.ProcessId;
        var listening = ProcessProbe.ListeningPorts(pid);
        if (!listening.SetEquals([_gateway.Port, siloPort]))
            _violations.Add($"listens on {string.Join(", ", listening)}; expected only HTTP {_gateway.Port} and silo {siloPort}");

        var list = await McpNodeClient.RunAsync(_gateway.McpUrl, McpCall.ListTools());
        _schemas = list["list"].Result.GetProperty("tools").EnumerateArray()
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("inputSchema").Clone());
        // Tools that destroy what the others use run last.
        var tools = list["list"].Result.GetProperty("tools").EnumerateArray()
            .OrderBy(t => t.TryGetProperty("annotations", out var a) && a.TryGetProperty("destructiveHint", out var d) && d.GetBoolean())
            .ThenBy(t => t.GetProperty("name").GetString(), StringComparer.Ordinal)
            .Select(t => t.GetProperty("name").GetString()!).ToList();

        var livingIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var generator = new HostileCases(livingIds);
        var watch = Stopwatch.StartNew();
        var rssBefore = ProcessProbe.ResidentBytes(pid);
        long peak;
        int mcpCases, restCases, rawCases;
        await using (var sampler = new ProcessProbe.RssSampler(pid, TimeSpan.FromMilliseconds(20)))
        {
            await CreateLivingIds(livingIds, "mcp");
            var mcp = tools.SelectMany(t => generator.ForTool(t, _schemas[t])).Where(c => !c.RawOnly).ToList();
            mcpCases = mcp.Count;
            await RunOverMcp(mcp);
            output.WriteLine($"MCP done at {watch.Elapsed.TotalSeconds:0.0} s");

            await CreateLivingIds(livingIds, "rest");
            var rest = tools.SelectMany(t => generator.ForTool(t, _schemas[t])).ToList();
            restCases = rest.Count;
            AssertCovered("mcp", mcp);
            AssertCovered("rest", rest);
            await RunOverRest(rest);
            output.WriteLine($"REST done at {watch.Elapsed.TotalSeconds:0.0} s");

            await CreateLivingIds(livingIds, "raw");
            var raw = tools.SelectMany(t => generator.ForTool(t, _schemas[t])).Where(c => c.RawOnly).ToList();
            rawCases = raw.Count;
            await RunOverRawJsonRpc(raw);
            await RunOversizedBodies(tools);
            peak = sampler.PeakBytes;
        }
        var runTime = watch.Elapsed;
        var highWater = ProcessProbe.ResidentBytes(pid, peak: true);
        await Task.Delay(TimeSpan.FromSeconds(SettleSeconds));
        var settled = ProcessProbe.ResidentBytes(pid);
        var gc = (await Rest("memory_usage", """{"detail":"detailed"}""")).GetProperty("gc");
        output.WriteLine($"{tools.Count} tools; cases: {mcpCases} over MCP, {restCases} over REST, {rawCases} raw JSON-RPC; {_calls} calls in {runTime.TotalSeconds:0.0} s");
        output.WriteLine($"outcomes: {_outcomes.GetValueOrDefault("refused")} refused naming the parameter as required, {_outcomes.GetValueOrDefault("accepted")} accepted, " +
            $"{_outcomes.GetValueOrDefault("named")} other named errors, {_outcomes.GetValueOrDefault("state")} state errors (not found, conflict, full)");
        output.WriteLine($"gateway RSS: {Mib(rssBefore)} before, peak {Mib(Math.Max(peak, highWater))} (sampled {Mib(peak)}, VmHWM {Mib(highWater)}), {Mib(settled)} after {SettleSeconds} s idle");
        output.WriteLine($"gateway GC after idle: heap {Mib(gc.GetProperty("heapSizeBytes").GetInt64())}, committed {Mib(gc.GetProperty("committedBytes").GetInt64())}, fragmented {Mib(gc.GetProperty("fragmentedBytes").GetInt64())}; " +
            string.Join(", ", gc.GetProperty("generations").EnumerateArray().Select(g => $"{g.GetProperty("generation").GetString()} {Mib(g.GetProperty("sizeBytes").GetInt64())}")));

        // Stored state is flushed on a clean stop; then every byte of the database is searched.
        Assert.Equal(0, await _gateway.StopAsync(TimeSpan.FromSeconds(30)));
        var leaked = StoredMarkers(_dataDirectory).Where(_answeredWithError.Contains).Order(StringComparer.Ordinal).ToList();
        foreach (var marker in leaked)
            _violations.Add($"{marker}: answered an error but is in storage");

        output.WriteLine($"{_violations.Count} violations");
        foreach (var v in _violations.Take(200))
            output.WriteLine(v);
        Assert.True(_violations.Count == 0, $"{_violations.Count} violations; first:\n{string.Join('\n', _violations.Take(40))}");
    }

    /// <summary>Every parameter of every tool is the target of at least one case on the transport.</summary>
    private void AssertCovered(string transport, List<HostileCase> cases)
    {
        foreach (var (tool, schema) in _schemas)
        {
            var targets = cases.Where(c => c.Tool == tool).Select(c => c.Target).ToHashSet(StringComparer.Ordinal);
            foreach (var parameter in schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Where(p => !targets.Contains(p)))
                _violations.Add($"{transport}: {tool}.{parameter} has no generated case");
        }
    }

    /// <summary>A swarm with an agent and a task, so *Id parameters get ids that exist.</summary>
    private async Task CreateLivingIds(Dictionary<string, string> ids, string label)
    {
        var swarm = await Rest("swarm_init", """{"topology":"mesh","maxAgents":10}""");
        ids["swarmId"] = swarm.GetProperty("id").GetString()!;
        var agent = await Rest("agent_spawn", $$"""{"type":"coder","name":"hostile-{{label}}","swarmId":"{{ids["swarmId"]}}"}""");
        ids["agentId"] = agent.GetProperty("id").GetString()!;
        var task = await Rest("task_orchestrate", $$"""{"task":"hostile {{label}} task","swarmId":"{{ids["swarmId"]}}"}""");
        ids["taskId"] = task.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> Rest(string tool, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(_gateway.BaseUrl + "/mcp/" + tool, content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{tool}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task RunOverMcp(List<HostileCase> cases)
    {
        // One client process; the batch of each tool ends with a ping that must answer.
        var spec = new StringBuilder();
        spec.Append("{\"url\":").Append(JsonSerializer.Serialize(_gateway.McpUrl)).Append(",\"timeoutMs\":60000,\"concurrency\":").Append(Concurrency).Append(",\"calls\":[");
        var first = true;
        foreach (var batch in cases.GroupBy(c => c.Tool))
        {
            foreach (var c in batch)
            {
                spec.Append(first ? "" : ",").Append("{\"id\":\"").Append(c.Id).Append("\",\"method\":\"tools/call\",\"name\":")
                    .Append(JsonSerializer.Serialize(c.Tool)).Append(",\"arguments\":").Append(Encoding.UTF8.GetString(c.Arguments)).Append('}');
                first = false;
            }
            spec.Append(",{\"id\":\"ping-").Append(batch.Key).Append("\",\"method\":\"ping\",\"barrier\":true}");
        }
        spec.Append("]}");

        var run = await McpNodeClient.RunSpecAsync(spec.ToString(), TimeSpan.FromMinutes(5));
        foreach (var batch in cases.GroupBy(c => c.Tool))
        {
            foreach (var c in batch)
                Judge("mcp", c, FromMcp(run[c.Id]));
            var ping = run["ping-" + batch.Key];
            if (!ping.Ok)
                _violations.Add($"mcp: gateway unhealthy after the {batch.Key} batch: {ping.ErrorMessage}");
        }
    }

    private async Task RunOverRest(List<HostileCase> cases)
    {
        foreach (var batch in cases.GroupBy(c => c.Tool))
        {
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (c, _) =>
            {
                using var content = new ByteArrayContent(c.Arguments);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await _http.PostAsync(_gateway.BaseUrl + "/mcp/" + c.Tool, content);
                Judge("rest", c, FromRest((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync()));
            });
            await AssertHealthy("rest", batch.Key);
        }
    }

    private async Task RunOverRawJsonRpc(List<HostileCase> cases)
    {
        foreach (var batch in cases.GroupBy(c => c.Tool))
        {
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (c, _) =>
            {
                var body = HostileCases.Utf8($"{{\"jsonrpc\":\"2.0\",\"id\":{c.Number},\"method\":\"tools/call\",\"params\":{{\"name\":{JsonSerializer.Serialize(c.Tool)},\"arguments\":")
                    .Concat(c.Arguments).Concat(HostileCases.Utf8("}}")).ToArray();
                using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.McpUrl) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Accept.ParseAdd("application/json");
                request.Headers.Accept.ParseAdd("text/event-stream");
                using var response = await _http.SendAsync(request);
                Judge("raw", c, FromJsonRpc((int)response.StatusCode, await response.Content.ReadAsStringAsync()));
            });
            await AssertHealthy("raw", batch.Key);
        }
    }

    /// <summary>
    /// Bodies past the size limit, several at once, on both endpoints: declared (refused before a byte of the
    /// body is read: the client waits for 100-continue, which never comes) and chunked (read up to the limit,
    /// then refused and the connection closed, so the client may see the reset before the 413).
    /// </summary>
    private async Task RunOversizedBodies(List<string> tools)
    {
        using var http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) }) { Timeout = TimeSpan.FromSeconds(60) };
        var oversized = Enumerable.Range(0, 16).Select(i => (Tool: tools[i % tools.Count], Mcp: i % 2 == 0, Chunked: i % 4 < 2)).ToList();
        await Parallel.ForEachAsync(oversized, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (o, _) =>
        {
            var size = o.Chunked ? InputLimits.MaxRequestBytes + 1024 * 1024 : 4 * InputLimits.MaxRequestBytes;
            var body = OversizedBody(o.Mcp, o.Tool, size);
            using var request = new HttpRequestMessage(HttpMethod.Post, o.Mcp ? _gateway.McpUrl : _gateway.BaseUrl + "/mcp/" + o.Tool)
            {
                Content = o.Chunked ? new StreamContent(new UnseekableStream(body)) : new ByteArrayContent(body),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.ExpectContinue = !o.Chunked;
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            HttpStatusCode? status;
            try
            {
                using var response = await http.SendAsync(request);
                status = response.StatusCode;
            }
            catch (HttpRequestException e) when (o.Chunked && e.InnerException is IOException)
            {
                status = null; // closed while still uploading past the limit
            }
            lock (_violations)
            {
                _calls++;
                if (status is { } s && s != HttpStatusCode.RequestEntityTooLarge)
                    _violations.Add($"oversized {(o.Chunked ? "chunked" : "declared")} {size} bytes to {(o.Mcp ? "/mcp" : o.Tool)}: {(int)s}, expected 413");
            }
        });
        await AssertHealthy("oversized", "bodies");
    }

    private static byte[] OversizedBody(bool mcp, string tool, int size)
    {
        var head = mcp ? $"{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{{\"name\":\"{tool}\",\"arguments\":{{\"zz\":\"" : "{\"zz\":\"";
        var tail = mcp ? "\"}}}" : "\"}";
        var body = new byte[size];
        body.AsSpan().Fill((byte)'x');
        Encoding.UTF8.GetBytes(head).CopyTo(body, 0);
        Encoding.UTF8.GetBytes(tail).CopyTo(body, size - tail.Length);
        return body;
    }

    /// <summary>A stream whose length is unknown, so HttpClient sends it chunked.</summary>
    private sealed class UnseekableStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override bool CanSeek => false;
    }

    private async Task AssertHealthy(string transport, string tool)
    {
        using var health = await _http.GetAsync(_gateway.BaseUrl + "/healthz");
        if (health.StatusCode != HttpStatusCode.OK)
            _violations.Add($"{transport}: gateway unhealthy after the {tool} batch: {(int)health.StatusCode}");
    }

    /// <summary>What came back, whatever the transport.</summary>
    private sealed record Reply(bool Success, int? HttpStatus, int? RpcCode, string? Kind, string? Parameter, string? Message);

    private static Reply FromMcp(McpOutcome outcome)
    {
        if (!outcome.Ok)
        {
            // The transport throws "Error POSTing to endpoint (HTTP 400): <body>" for HTTP errors.
            var status = outcome.ErrorMessage is { } m && m.Contains("(HTTP ", StringComparison.Ordinal)
                ? int.Parse(m[(m.IndexOf("(HTTP ", StringComparison.Ordinal) + 6)..].Split(')')[0], CultureInfo.InvariantCulture)
                : (int?)null;
            return new Reply(false, status, outcome.ErrorCode, null, null, outcome.ErrorMessage);
        }
        return FromToolResult(outcome.Result, null);
    }

    private static Reply FromToolResult(JsonElement result, int? status)
    {
        if (!(result.TryGetProperty("isError", out var e) && e.ValueKind == JsonValueKind.True))
            return new Reply(true, status, null, null, null, null);
        var error = result.GetProperty("structuredContent").GetProperty("error");
        return new Reply(false, status, null, error.GetProperty("kind").GetString(),
            error.GetProperty("parameter").ValueKind == JsonValueKind.String ? error.GetProperty("parameter").GetString() : null,
            error.GetProperty("message").GetString());
    }

    private static Reply FromRest(int status, byte[] body)
    {
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return new Reply(false, status, null, null, null, $"not JSON: {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(200, body.Length)))}");
        }
        if (status is >= 200 and < 300)
            return new Reply(true, status, null, null, null, null);
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            return new Reply(false, status, null, null, null, json.GetRawText());
        return new Reply(false, status, null, error.TryGetProperty("kind", out var k) ? k.GetString() : null,
            error.TryGetProperty("parameter", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null,
            error.TryGetProperty("message", out var msg) ? msg.GetString() : null);
    }

    private static Reply FromJsonRpc(int status, string body)
    {
        // Streamable HTTP answers with one SSE event or plain JSON.
        var text = body.TrimStart().StartsWith('{') ? body
            : string.Join("", body.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]));
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException)
        {
            return new Reply(false, status, null, null, null, $"not JSON-RPC: {body[..Math.Min(200, body.Length)]}");
        }
        if (json.TryGetProperty("error", out var error))
        {
            // A body that is not JSON gets a parse error; it still names the argument where the text broke.
            var message = error.GetProperty("message").GetString();
            var code = error.GetProperty("code").GetInt32();
            var argument = code == -32700 && message is { } m && m.StartsWith("params.arguments.", StringComparison.Ordinal)
                ? m["params.arguments.".Length..].Split(':')[0] : null;
            return new Reply(false, status, code, argument is null ? null : "invalid_argument", argument, message);
        }
        return FromToolResult(json.GetProperty("result"), status);
    }

    private void Judge(string transport, HostileCase c, Reply reply)
    {
        var problem = Problem(c, reply);
        var outcome = problem is not null ? "violation" : reply.Success ? "accepted" : c.MustRefuse ? "refused" : reply.Kind == "invalid_argument" ? "named" : "state";
        lock (_violations)
        {
            _calls++;
            _outcomes[outcome] = _outcomes.GetValueOrDefault(outcome) + 1;
            if (!reply.Success)
                _answeredWithError.Add(c.Marker);
            if (problem is not null)
                _violations.Add($"{transport}: {c}: {problem} [{reply with { Message = Shorten(reply.Message) }}]");
        }
    }

    private string? Problem(HostileCase c, Reply reply)
    {
        if (reply.HttpStatus >= 500)
            return "5xx";
        if (reply.RpcCode == -32603)
            return "JSON-RPC internal error";
        if (reply.Kind is "internal" or "unavailable")
            return "server-side failure";
        if (reply.Success)
            return c.MustRefuse ? "wrongly accepted" : null;
        if (string.IsNullOrWhiteSpace(reply.Message))
            return "error without a message";
        if (reply.RpcCode is not null and not -32700)
            return "protocol error instead of a tool error";

        var properties = _schemas[c.Tool].GetProperty("properties");
        var named = reply.Parameter is { } p ? TopLevel(p) : null;
        if (c.MustRefuse)
            return reply.Kind == "invalid_argument" && named == c.Target ? null : $"not refused as invalid naming '{c.Target}'";
        if (reply.Kind != "invalid_argument")
            return null; // a state error (not found, conflict, full) may name the limit it hit, e.g. a swarm's maxAgents
        if (named is null)
            return "unnamed invalid argument";
        if (!properties.TryGetProperty(named, out _))
            return $"names '{named}', which the client did not send";
        return null;
    }

    // "samples[2].input" → "samples"; "metadata.k" → "metadata".
    private static string TopLevel(string parameter) => parameter.Split('.', '[')[0];

    /// <summary>Every marker ("hqm" + 6 digits + "q") found anywhere in the data directory's files.</summary>
    private static HashSet<string> StoredMarkers(string directory)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var prefix = "hqm"u8;
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            var span = bytes.AsSpan();
            for (var i = span.IndexOf(prefix); i >= 0 && i + 10 <= span.Length; i = span[(i + 1)..].IndexOf(prefix) is var next and >= 0 ? i + 1 + next : -1)
            {
                var token = Encoding.ASCII.GetString(span.Slice(i, 10));
                if (token[9] == 'q' && token[3..9].All(char.IsAsciiDigit))
                    found.Add(token);
            }
        }
        return found;
    }

    private static string? Shorten(string? text) => text is { Length: > 300 } ? text[..300] + "..." : text;

    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):0} MiB";

    public Task InitializeAsync()
    {
        McpNodeClient.EnsureInstalled();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_gateway is not null)
        {
            if (_violations.Count > 0 || !_gateway.HasExited)
                output.WriteLine(_gateway.Tail(40));
            await _gateway.DisposeAsync();
        }
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// Runs alone, after the parallel collections: it loads both cores for about a minute, which would starve the
/// timing-sensitive tests of the shared gateway, and its memory figures are cleaner without them.
/// </summary>
[CollectionDefinition(HostileInputTests.Name, DisableParallelization = true)]
public sealed class HostileInputCollection;
