using System.Text;
using System.Text.Json;
using SwarmCluster.Gateway.Stdio;

namespace SwarmCluster.Gateway.Tests;

/// <summary>What the stdio front (bridge and --private) answers to each kind of line, before anything is forwarded.</summary>
public sealed class JsonRpcLineTests
{
    private static (ClientMessage? Message, JsonElement? Error) Check(string line)
    {
        var message = JsonRpc.Check(Encoding.UTF8.GetBytes(line), out var error);
        return (message, error is null ? null : JsonDocument.Parse(error).RootElement.Clone());
    }

    private static void AssertError(string line, int code, string? id, params string[] messageParts)
    {
        var (message, error) = Check(line);
        Assert.Null(message);
        Assert.Equal("2.0", error!.Value.GetProperty("jsonrpc").GetString());
        Assert.Equal(id ?? "null", error.Value.GetProperty("id").GetRawText());
        Assert.Equal(code, error.Value.GetProperty("error").GetProperty("code").GetInt32());
        foreach (var part in messageParts)
            Assert.Contains(part, error.Value.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} trailing")]
    public void NotJson_IsAParseError_WithIdNull(string line) => AssertError(line, -32700, null, "Parse error");

    [Fact]
    public void InvalidRequests_Get32600_WithTheirIdWhenItIsReadable()
    {
        AssertError("{\"id\":1}", -32600, "1", "\"jsonrpc\" must be \"2.0\"", "\"method\" is missing");
        AssertError("{\"jsonrpc\":\"1.0\",\"id\":\"a\",\"method\":\"ping\"}", -32600, "\"a\"", "\"jsonrpc\" must be \"2.0\"");
        AssertError("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":7}", -32600, "2", "\"method\" must be a string");
        AssertError("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":[1]}", -32600, "3", "\"params\" must be an object (got an array)");
        AssertError("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", -32600, null, "batches are not supported");
        AssertError("42", -32600, null, "must be a JSON object (got a number)");
        // MCP ids are strings or integers; anything else cannot be echoed as sent.
        AssertError("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", -32600, null, "\"id\" must be a string or an integer");
        AssertError("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", -32600, null, "\"id\" must be a string or an integer");
        AssertError("{\"jsonrpc\":\"2.0\",\"id\":1e3,\"method\":\"ping\"}", -32600, null, "\"id\" must be a string or an integer");
        AssertError("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}", -32600, null, "\"id\" must be a string or an integer");
    }

    [Fact]
    public void Initialize_NamesEveryMissingField_With32602()
    {
        AssertError("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}", -32602, "1",
            "params.protocolVersion (a string)", "params.capabilities (an object)", "params.clientInfo (an object with name and version)");
        AssertError("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":5}}}",
            -32602, "1", "params.clientInfo.name (a string)", "params.clientInfo.version (a string)");
        var (ok, _) = Check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}}");
        Assert.True(ok!.IsInitialize);
    }

    [Fact]
    public void WellFormedMessages_AreForwardedAsTheClientWroteThem()
    {
        const string request = "{\"jsonrpc\":\"2.0\",\"id\":\"req-1\",\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}";
        var (message, error) = Check(request);
        Assert.Null(error);
        Assert.Equal((MessageKind.Request, "\"req-1\"", "s:req-1", "tools/call"), (message!.Kind, message.IdJson, message.IdKey, message.Method));
        Assert.Equal(request, Encoding.UTF8.GetString(message.Line.Span));

        var (notification, _) = Check("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":7}}");
        Assert.Equal((MessageKind.Notification, "n:7"), (notification!.Kind, notification.CancelledIdKey));

        var (response, _) = Check("{\"jsonrpc\":\"2.0\",\"id\":-4,\"result\":{}}");
        Assert.Equal((MessageKind.Response, "n:-4"), (response!.Kind, response.IdKey));
    }

    [Theory]
    [InlineData("{\"result\":{},\"id\":3,\"jsonrpc\":\"2.0\"}", "n:3")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"error\":{\"code\":-32601,\"message\":\"no\"}}", "s:a")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}", null)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"roots/list\"}", null)]
    public void ServerLines_AnswerTheRequestTheyCarryTheIdOf(string line, string? key) =>
        Assert.Equal(key, JsonRpc.ResponseIdKey(Encoding.UTF8.GetBytes(line)));
}
