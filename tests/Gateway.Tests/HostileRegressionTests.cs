using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SwarmCluster.Contracts;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// The reproductions of issue 10, each on the transports where it was seen: MCP through the Node SDK client,
/// the REST mirror and raw JSON-RPC posts.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class HostileRegressionTests(GatewayFixture fixture) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private string Url(string path) => fixture.Gateway.BaseUrl + path;

    private async Task<(HttpStatusCode Status, JsonElement Body)> Rest(string tool, byte[] body, string? contentType = "application/json")
    {
        using var content = new ByteArrayContent(body);
        if (contentType is not null)
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await _http.PostAsync(Url("/mcp/" + tool), content);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> Rest(string tool, string json) => Rest(tool, Encoding.UTF8.GetBytes(json));

    /// <summary>A raw JSON-RPC POST; the answer is the JSON-RPC message (from SSE or plain JSON).</summary>
    private async Task<(HttpStatusCode Status, JsonElement Message)> RawMcp(byte[] body, string? contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.McpUrl) { Content = new ByteArrayContent(body) };
        if (contentType is not null)
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.TrimStart().StartsWith('{') ? text
            : string.Concat(text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]));
        return (response.StatusCode, JsonDocument.Parse(json).RootElement.Clone());
    }

    private Task<(HttpStatusCode Status, JsonElement Message)> RawMcp(string json) => RawMcp(Encoding.UTF8.GetBytes(json));

    private static string ToolsCall(string tool, string argumentsJson, int id = 7) =>
        $$$"""{"jsonrpc":"2.0","id":{{{id}}},"method":"tools/call","params":{"name":"{{{tool}}}","arguments":{{{argumentsJson}}}}}""";

    private static JsonElement IsErrorResult(JsonElement message)
    {
        var result = message.GetProperty("result");
        Assert.True(result.GetProperty("isError").GetBoolean(), message.ToString());
        return result.GetProperty("structuredContent").GetProperty("error");
    }

    private static void AssertNamed(JsonElement error, string parameter, string? messageContains = null)
    {
        Assert.Equal("invalid_argument", error.GetProperty("kind").GetString());
        Assert.Equal(parameter, error.GetProperty("parameter").GetString());
        if (messageContains is not null)
            Assert.Contains(messageContains, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task LoneSurrogate_IsRefusedNamingTheParameter_OnEveryTransport()
    {
        var (status, body) = await Rest("swarm_plan", """{"objective":"x\ud800y"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertNamed(body.GetProperty("error"), "objective", "valid Unicode");

        var (rawStatus, message) = await RawMcp(ToolsCall("swarm_plan", """{"objective":"x\ud800y"}"""));
        Assert.Equal(HttpStatusCode.OK, rawStatus);
        AssertNamed(IsErrorResult(message), "objective", "valid Unicode");

        // The Node client sends a JavaScript string holding a lone surrogate.
        var spec = $$$"""{"url":{{{JsonSerializer.Serialize(fixture.McpUrl)}}},"calls":[{"id":"s","method":"tools/call","name":"swarm_plan","arguments":{"objective":"x\ud800y"}},{"id":"k","method":"tools/call","name":"memory_usage","arguments":{"action":"store","key":"k\udc00","value":1}}]}""";
        var run = await McpNodeClient.RunSpecAsync(spec);
        Assert.Equal("objective", run["s"].ToolError("invalid_argument", "valid Unicode").GetProperty("parameter").GetString());
        Assert.Equal("key", run["k"].ToolError("invalid_argument").GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task InvalidUtf8_InAMemoryKey_IsRefused_AndNothingIsStored()
    {
        var ns = "utf8-" + Guid.NewGuid().ToString("n")[..8];
        byte[] Body(string prefix) => [.. Encoding.UTF8.GetBytes(prefix), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes($"\",\"namespace\":\"{ns}\",\"value\":1}}")];

        var (status, body) = await Rest("memory_usage", Body("{\"action\":\"store\",\"key\":\"k"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertNamed(body.GetProperty("error"), "key", "UTF-8");

        var envelope = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"memory_usage","arguments":""");
        var (rawStatus, message) = await RawMcp([.. envelope, .. Body("{\"action\":\"store\",\"key\":\"k2"), .. "}}"u8.ToArray()]);
        Assert.Equal(HttpStatusCode.OK, rawStatus);
        AssertNamed(IsErrorResult(message), "key", "UTF-8");

        var (_, list) = await Rest("memory_usage", $$"""{"action":"list","namespace":"{{ns}}"}""");
        Assert.Equal(0, list.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task DeepValues_AtTheLimitStoreAndReadBack_OneDeeperIsRefused_OnBothTransports()
    {
        var ns = "deep-" + Guid.NewGuid().ToString("n")[..8];
        var atLimit = Encoding.UTF8.GetString(HostileCases.Nest(InputLimits.MaxValueDepth, "bottom"));
        var tooDeep = Encoding.UTF8.GetString(HostileCases.Nest(InputLimits.MaxValueDepth + 1, "bottom"));

        // REST: store at the limit, read back every way; one deeper is refused and not stored.
        var (stored, _) = await Rest("memory_usage", $$"""{"action":"store","namespace":"{{ns}}","key":"rest","value":{{atLimit}},"persist":true}""");
        Assert.Equal(HttpStatusCode.OK, stored);
        var (refused, refusal) = await Rest("memory_usage", $$"""{"action":"store","namespace":"{{ns}}","key":"rest-deeper","value":{{tooDeep}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        AssertNamed(refusal.GetProperty("error"), "value", $"more than {InputLimits.MaxValueDepth} levels");
        var (_, retrieved) = await Rest("memory_usage", $$"""{"action":"retrieve","namespace":"{{ns}}","key":"rest"}""");
        Assert.Equal(atLimit, retrieved.GetProperty("entry").GetProperty("value").GetRawText());

        // MCP (the deepest answers: list and search carry the value five containers down).
        var spec = $$$"""
            {"url":{{{JsonSerializer.Serialize(fixture.McpUrl)}}},"calls":[
              {"id":"store","method":"tools/call","name":"memory_usage","arguments":{"action":"store","namespace":"{{{ns}}}","key":"mcp","value":{{{atLimit}}}}},
              {"id":"deeper","method":"tools/call","name":"memory_usage","arguments":{"action":"store","namespace":"{{{ns}}}","key":"mcp-deeper","value":{{{tooDeep}}}}},
              {"id":"overEnvelope","method":"tools/call","name":"memory_usage","arguments":{"action":"store","namespace":"{{{ns}}}","key":"mcp-62","value":{{{Encoding.UTF8.GetString(HostileCases.Nest(62, "x"))}}}}},
              {"id":"get","method":"tools/call","name":"memory_usage","arguments":{"action":"retrieve","namespace":"{{{ns}}}","key":"mcp"}},
              {"id":"list","method":"tools/call","name":"memory_usage","arguments":{"action":"list","namespace":"{{{ns}}}"}},
              {"id":"search","method":"tools/call","name":"memory_usage","arguments":{"action":"search","namespace":"{{{ns}}}","query":"bottom"}}
            ]}
            """;
        var run = await McpNodeClient.RunSpecAsync(spec);
        run["store"].Success.GetProperty("stored").GetBoolean();
        Assert.Equal("value", run["deeper"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("value", run["overEnvelope"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal(atLimit, run["get"].Success.GetProperty("entry").GetProperty("value").GetRawText());
        foreach (var id in new[] { "list", "search" })
        {
            var listing = run[id].Success;
            Assert.Equal(["mcp", "rest"], listing.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("key").GetString()).Order());
            Assert.All(listing.GetProperty("entries").EnumerateArray(), e => Assert.Equal(atLimit, e.GetProperty("value").GetRawText()));
            Assert.Equal(0, listing.GetProperty("unreadable").GetArrayLength());
        }
    }

    [Fact]
    public async Task DuplicateKeys_AreRefusedNamingTheKey()
    {
        var (status, body) = await Rest("swarm_status", """{"verbose":true,"verbose":false}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertNamed(body.GetProperty("error"), "verbose", "given twice");

        var (rawStatus, message) = await RawMcp(ToolsCall("swarm_status", """{"verbose":true,"verbose":false}"""));
        Assert.Equal(HttpStatusCode.OK, rawStatus);
        AssertNamed(IsErrorResult(message), "verbose", "given twice");

        // In the envelope: a JSON-RPC error naming the field.
        var (envelopeStatus, envelope) = await RawMcp("""{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}""");
        Assert.Equal(HttpStatusCode.BadRequest, envelopeStatus);
        Assert.StartsWith("method: is given twice", envelope.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=utf-16")]
    public async Task OnlyJsonBodies_AreAccepted_Else415(string? contentType)
    {
        var (mcp, rpc) = await RawMcp("""{"jsonrpc":"2.0","id":1,"method":"ping"}"""u8.ToArray(), contentType);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, mcp);
        Assert.Contains("Content-Type", rpc.GetProperty("error").GetProperty("message").GetString());

        // A cross-site form could post text/plain: the mirror must not run the tool.
        var ns = "ct-" + Guid.NewGuid().ToString("n")[..8];
        var (rest, body) = await Rest("memory_usage", Encoding.UTF8.GetBytes($$"""{"action":"store","namespace":"{{ns}}","key":"k","value":1}"""), contentType);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, rest);
        Assert.Equal("unsupported_media_type", body.GetProperty("error").GetProperty("kind").GetString());
        var (_, list) = await Rest("memory_usage", $$"""{"action":"list","namespace":"{{ns}}"}""");
        Assert.Equal(0, list.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("""{"arguments":{}}""", "params.name: required")]
    [InlineData("""{"name":5,"arguments":{}}""", "params.name: must be a string")]
    [InlineData("""{"name":"swarm_status","arguments":[1]}""", "params.arguments: must be an object")]
    [InlineData("""{"name":"swarm_status","arguments":"verbose"}""", "params.arguments: must be an object")]
    [InlineData("""[1]""", "params: must be an object")]
    [InlineData("""{"name":"x\ud800"}""", "params.name: must be valid Unicode")]
    public async Task MalformedToolsCall_GetsInvalidParams_NamingTheField(string parameters, string message)
    {
        var (status, rpc) = await RawMcp($$"""{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{{parameters}}}""");
        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)status}");
        Assert.Equal(-32602, rpc.GetProperty("error").GetProperty("code").GetInt32());
        Assert.StartsWith(message, rpc.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(9, rpc.GetProperty("id").GetInt32());
    }

    [Theory]
    [InlineData("{not json", -32700)]
    [InlineData("", -32700)]
    [InlineData("[]", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping"} trailing""", -32700)]
    public async Task BodiesThatAreNotOneJsonRpcMessage_Get400(string body, int code)
    {
        var (status, rpc) = await RawMcp(body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(code, rpc.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task ControlCharacters_AreBlamedOnTheParameterTheClientSent()
    {
        var swarmId = await fixture.NewSwarm(maxAgents: 2);
        await fixture.Run(Tool("a", "agent_spawn", new { type = "coder", swarmId }));
        var run = await fixture.Run(
            Tool("queen", "swarm_create_with_queen", new { objective = "build\0 it" }),
            Tool("plan", "swarm_plan", new { objective = "build\0 it" }),
            Tool("task", "task_orchestrate", new { task = "do\0 it", swarmId }),
            Tool("escape", "task_orchestrate", new { task = "do \u001b[31m it", swarmId }),
            Tool("lines", "task_orchestrate", new { task = "line one\nline two\ttabbed", swarmId }));
        Assert.Equal("objective", run["queen"].ToolError("invalid_argument", "control characters").GetProperty("parameter").GetString());
        Assert.Equal("objective", run["plan"].ToolError("invalid_argument", "control characters").GetProperty("parameter").GetString());
        Assert.Equal("task", run["task"].ToolError("invalid_argument", "U+0000").GetProperty("parameter").GetString());
        Assert.Equal("task", run["escape"].ToolError("invalid_argument", "U+001B").GetProperty("parameter").GetString());
        Assert.Equal("line one\nline two\ttabbed", run["lines"].Success.GetProperty("description").GetString());
    }

    [Theory]
    [InlineData("http://localhost:{port}", HttpStatusCode.OK)]
    [InlineData("http://127.0.0.1:{port}", HttpStatusCode.OK)]
    [InlineData("http://[::1]:{port}", HttpStatusCode.OK)]
    [InlineData("http://localhost:3000", HttpStatusCode.Forbidden)]
    [InlineData("http://localhost", HttpStatusCode.Forbidden)]
    [InlineData("https://127.0.0.1:{port}", HttpStatusCode.Forbidden)]
    [InlineData("null", HttpStatusCode.Forbidden)]
    public async Task Origin_IsComparedAsSchemeHostAndPort(string origin, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url("/mcp/features_detect"))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", origin.Replace("{port}", fixture.Gateway.Port.ToString(), StringComparison.Ordinal));
        using var response = await _http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task NumbersBeyondADouble_AreRefusedNamingTheParameter()
    {
        var (status, body) = await Rest("swarm_monitor", """{"duration":1e400}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertNamed(body.GetProperty("error"), "duration", "finite");
        var (_, value) = await Rest("memory_usage", """{"action":"store","key":"inf","value":{"a":[1e400]}}""");
        AssertNamed(value.GetProperty("error"), "value.a[0]", "finite");
    }

    public void Dispose() => _http.Dispose();
}
