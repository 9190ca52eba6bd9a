using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Gateway.Http;
using SwarmCluster.Gateway.Mcp;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Tests;

/// <summary>The door's rules in process: body scan, argument text rules, origins, settings.</summary>
public sealed class InputDoorTests
{
    private static readonly string[] McpArguments = ["params", "arguments"];

    private static BodyProblem? Rest(string json) => JsonBodyScanner.Scan(Encoding.UTF8.GetBytes(json), []).Problem;

    [Theory]
    [InlineData("""{"verbose":true,"verbose":false}""", "verbose", "verbose", "is given twice")]
    [InlineData("""{"metadata":{"a":"1","a":"2"}}""", "metadata", "metadata.a", "is given twice")]
    [InlineData("""{"samples":[{"input":[1]},{"input":[1],"input":[2]}]}""", "samples", "samples[1].input", "is given twice")]
    [InlineData("""{"key":"x\ud800"}""", "key", "key", "valid Unicode")]
    [InlineData("""{"value":{"\udc00":1}}""", "value", "value", "keys must be valid Unicode")]
    [InlineData("""{"iterations":NaN}""", "iterations", "iterations", "is not valid JSON")]
    public void Scan_NamesTheArgumentAndThePath(string json, string parameter, string field, string rule)
    {
        var problem = Rest(json)!;
        Assert.Equal(parameter, problem.Parameter);
        Assert.Equal(field, problem.Field);
        Assert.Contains(rule, problem.Rule);
    }

    [Fact]
    public void Scan_FindsInvalidUtf8_InTheStringThatHoldsIt()
    {
        byte[] body = [.. "{\"a\":\"ok\",\"b\":[\"fine\",\"x"u8, 0xC0, 0xAF, .. "\"]}"u8];
        var problem = JsonBodyScanner.Scan(body, []).Problem!;
        Assert.Equal(("b", "b[1]"), (problem.Parameter, problem.Field));
        Assert.Contains("UTF-8", problem.Rule);
    }

    [Fact]
    public void Scan_DepthRule_IsTheValueLimitInsideArguments_AndTheDocumentLimitElsewhere()
    {
        string Nest(int depth) => Encoding.UTF8.GetString(Infrastructure.HostileCases.Nest(depth, "x"));
        Assert.Null(Rest($$"""{"value":{{Nest(InputLimits.MaxValueDepth)}}}"""));
        var tooDeep = Rest($$"""{"value":{{Nest(InputLimits.MaxValueDepth + 1)}}}""")!;
        Assert.Equal(("value", "value"), (tooDeep.Parameter, tooDeep.Field)); // the argument, not the innermost path
        Assert.Equal(TextRules.DepthRule, tooDeep.Rule);

        // 5000 deep: found without a stack overflow, still named.
        Assert.Equal("value", Rest($$"""{"value":{{Nest(5000)}}}""")!.Parameter);

        var call = JsonBodyScanner.Scan(Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","id":"a-1","method":"tools/call","params":{"name":"memory_usage","arguments":{"value":""" + Nest(InputLimits.MaxValueDepth + 1) + "}}}"), McpArguments);
        Assert.Equal(("value", "\"a-1\"", "tools/call", "memory_usage"), (call.Problem!.Parameter, call.IdJson, call.Method, call.ToolName));

        // Outside the arguments only the document limit applies.
        var meta = JsonBodyScanner.Scan(Encoding.UTF8.GetBytes(
            $$$"""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{{{Nest(InputLimits.MaxJsonDepth)}}}}}"""), McpArguments).Problem!;
        Assert.Null(meta.Parameter);
        Assert.StartsWith("params._meta", meta.Field);
        Assert.Null(JsonBodyScanner.Scan(Encoding.UTF8.GetBytes(
            $$$"""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{{{Nest(InputLimits.MaxJsonDepth - 3)}}}}}"""), McpArguments).Problem);
    }

    [Theory]
    [InlineData("", JsonValueKind.Undefined)]
    [InlineData("[]", JsonValueKind.Array)]
    [InlineData("\"x\"", JsonValueKind.String)]
    [InlineData("{}", JsonValueKind.Object)]
    public void Scan_ReportsTheRootKind(string json, JsonValueKind kind) =>
        Assert.Equal(kind, JsonBodyScanner.Scan(Encoding.UTF8.GetBytes(json), []).RootKind);

    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "name": { "type": "string" },
            "count": { "type": "integer" },
            "ratio": { "type": "number" },
            "tags": { "type": "object", "additionalProperties": { "type": "string" } },
            "value": { }
          }
        }
        """).RootElement;

    private static string Fails(string json)
    {
        var e = Assert.Throws<DomainException>(() => ArgumentValidator.Validate(Schema,
            JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.Clone()))));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        return e.Message;
    }

    [Theory]
    [InlineData("""{"name":"a\u0000b"}""", "name: must not contain control characters (U+0000 at index 1)")]
    [InlineData("""{"name":"a\u0085"}""", "name: must not contain control characters (U+0085 at index 1)")]
    [InlineData("""{"name":"a\ud800"}""", "name: must be valid Unicode text")]
    [InlineData("""{"count":"x\ud800"}""", "count: must be valid Unicode text")]
    [InlineData("""{"count":1e400}""", "count: must be a finite number")]
    [InlineData("""{"count":9007199254740993}""", "count: must be an integer within ±9007199254740991")]
    [InlineData("""{"ratio":-1e400}""", "ratio: must be a finite number")]
    [InlineData("""{"tags":{"a\u0000":"x"}}""", "tags: keys must not contain control characters")]
    [InlineData("""{"tags":{"a":"\udfff"}}""", "tags.a: must be valid Unicode text")]
    [InlineData("""{"value":{"a":["\ud800"]}}""", "value.a[0]: must be valid Unicode text")]
    [InlineData("""{"value":[1e999]}""", "value[0]: must be a finite number")]
    public void TextAndNumbers_FollowTheRules_NamingThePath(string json, string message) =>
        Assert.StartsWith(message, Fails(json));

    [Theory]
    [InlineData(new byte[] { 0x7F }, "name: must not contain control characters (U+007F at index 2)")]
    [InlineData(new byte[] { 0xC2, 0x85 }, "name: must not contain control characters (U+0085 at index 2)")]
    [InlineData(new byte[] { 0xFF }, "name: must be valid Unicode text")]
    public void RawBytes_ThatNeedNoEscape_AreCheckedToo(byte[] inside, string message)
    {
        byte[] json = [.. """{"name":"ab"""u8, .. inside, .. "\"}"u8];
        var e = Assert.Throws<DomainException>(() => ArgumentValidator.Validate(Schema,
            JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.Clone()))));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Strings_WithoutADeclaredMaxLength_AreCapped()
    {
        Assert.StartsWith($"name: must be at most {InputLimits.MaxStringLength} characters (got {InputLimits.MaxStringLength + 1})",
            Fails(JsonSerializer.Serialize(new { name = new string('x', InputLimits.MaxStringLength + 1) })));
        // Length counts UTF-16 units, with or without escapes: an accented letter is one, an emoji two.
        Assert.Contains($"(got {InputLimits.MaxStringLength + 1})", Fails("{\"name\":\"" + new string('\u00e9', InputLimits.MaxStringLength - 1) + "\U0001F600\"}"));
        Assert.Contains($"(got {InputLimits.MaxStringLength + 1})", Fails($$"""{"name":"{{new string('x', InputLimits.MaxStringLength - 1)}}\ud83d\ude00"}"""));
    }

    [Fact]
    public void FreeJsonValues_KeepTheirData_ButNotBrokenText_OrTooDeep()
    {
        var ok = ArgumentValidator.Validate(Schema, [KeyValuePair.Create("value", JsonDocument.Parse("""{"nul":"a\u0000b","tab":"\t"}""").RootElement)]);
        Assert.Equal("a\0b", ok["value"].GetProperty("nul").GetString());
        var deep = JsonDocument.Parse(Infrastructure.HostileCases.Nest(InputLimits.MaxValueDepth + 1, "x"), new JsonDocumentOptions { MaxDepth = 100 }).RootElement;
        var e = Assert.Throws<DomainException>(() => ArgumentValidator.Validate(Schema, [KeyValuePair.Create("value", deep)]));
        Assert.Equal(TextRules.DepthRule, e.Message[(e.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
    }

    [Theory]
    [InlineData("http://localhost:3000", 200)]
    [InlineData("https://app.example.com", 200)]
    [InlineData("https://app.example.com:8443", 403)]
    [InlineData("http://localhost:3001", 403)]
    [InlineData("http://127.0.0.1:8765", 200)] // the server's own
    [InlineData("http://localhost:8765", 200)] // the same server by another loopback name
    public async Task Origins_FromConfiguration_AreAllowed_ExactlyBySchemeHostAndPort(string origin, int expected)
    {
        var options = GatewayOptions.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(
            [KeyValuePair.Create("SwarmCluster:AllowedOrigins", (string?)"http://localhost:3000, https://app.example.com")]).Build());
        var check = new HostCheck(_ => Task.CompletedTask, options, NullLogger<HostCheck>.Instance);
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1", 8765);
        context.Request.Path = "/mcp";
        context.Request.Headers.Origin = origin;
        context.Response.Body = new MemoryStream();
        await check.InvokeAsync(context);
        Assert.Equal(expected, context.Response.StatusCode);
    }

    [Fact]
    public void AnOriginSettingThatIsNotAnOrigin_StopsStartup()
    {
        var options = new GatewayOptions { AllowedOrigins = ["localhost:3000/app"] };
        var e = Assert.Throws<InvalidOperationException>(() => new HostCheck(_ => Task.CompletedTask, options, NullLogger<HostCheck>.Instance));
        Assert.Contains("SwarmCluster:AllowedOrigins", e.Message);
    }

    [Theory]
    [InlineData("application/json", null)]
    [InlineData("Application/JSON; charset=UTF-8", null)]
    [InlineData(null, "Content-Type is missing")]
    [InlineData("text/plain", "must be application/json")]
    [InlineData("application/json-patch+json", "must be application/json")]
    [InlineData("application/json; charset=latin1", "in UTF-8")]
    public void MediaType_MustBeJsonInUtf8(string? contentType, string? problem)
    {
        var found = RequestGuard.MediaTypeProblem(contentType);
        if (problem is null)
            Assert.Null(found);
        else
            Assert.Contains(problem, found);
    }

    [Fact]
    public void MemoryFlushInterval_IsASetting_CheckedAtStartup()
    {
        IConfiguration Config(string value) => new ConfigurationBuilder().AddInMemoryCollection(
            [KeyValuePair.Create("SwarmCluster:MemoryFlushInterval", (string?)value)]).Build();
        Assert.Equal(TimeSpan.FromSeconds(5), SwarmClusterHosting.ResolveOptions(Config("00:00:05")).MemoryFlushInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), SwarmClusterHosting.ResolveOptions(new ConfigurationBuilder().Build()).MemoryFlushInterval);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([
            KeyValuePair.Create("SwarmCluster:MemoryFlushInterval", (string?)"00:00:00"),
            KeyValuePair.Create("SwarmCluster:DataDirectory", (string?)Path.Combine(Path.GetTempPath(), "swarm-flush-" + Guid.NewGuid().ToString("n")[..8])),
        ]);
        var e = Assert.Throws<InvalidOperationException>(() => builder.AddSwarmClusterSilo(SiloRole.Embedded));
        Assert.Contains("SwarmCluster:MemoryFlushInterval", e.Message);
    }
}

public sealed class ToolCallGuardTests
{
    private static ModelContextProtocol.Protocol.JsonRpcRequest Request(string json) =>
        (ModelContextProtocol.Protocol.JsonRpcRequest)JsonSerializer.Deserialize<ModelContextProtocol.Protocol.JsonRpcMessage>(json, ModelContextProtocol.McpJsonUtilities.DefaultOptions)!;

    [Fact]
    public void LoneSurrogateInAnArgument_IsTheToolsError_NamingIt()
    {
        var error = ToolCallGuard.CheckRequest(Request("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"swarm_plan","arguments":{"objective":"x\ud800y"}}}"""));
        Assert.Equal("objective", error!.Parameter);
        var node = JsonSerializer.SerializeToNode(ToolResults.Failure(error), ModelContextProtocol.McpJsonUtilities.DefaultOptions);
        Assert.True(node!["isError"]!.GetValue<bool>());
    }
}
