using System.Diagnostics;
using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// Over stdio there is no HTTP door: the MCP message filter is what stands between a malformed tools/call
/// (or a lone surrogate the SDK cannot re-serialize) and an unnamed -32603.
/// </summary>
public sealed class StdioGuardTests
{
    [Fact]
    public async Task Stdio_MalformedCallsAndLoneSurrogates_GetNamedErrors()
    {
        var dataDirectory = TestPaths.NewTempDirectory("stdio-guard");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The bridge starts a background gateway: on a free port, not the default one a developer's gateway uses.
        foreach (var arg in new[] { TestPaths.GatewayDll, "--stdio", "--data-dir", dataDirectory, "--urls", "http://127.0.0.1:0" })
            info.ArgumentList.Add(arg);
        GatewayProcess.ConfigureEnvironment(info);

        string[] requests =
        [
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"guard-test","version":"1"}}}""",
            """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
            """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"swarm_plan","arguments":{"objective":"x\ud800y"}}}""",
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"arguments":{}}}""",
            """{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"swarm_status","arguments":["verbose"]}}""",
            """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"swarm_plan","arguments":{"objective":"ship it\u0000"}}}""",
            """{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"memory_usage","arguments":{"action":"store","key":"k","value":{"a":"\udc00"}}}}""",
            // Well-formed JSON-RPC, but an error object's code must be an integer: answered, not dropped.
            """{"jsonrpc":"2.0","id":7,"method":"ping","error":{"code":"x","message":"m"}}""",
            """{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"memory_usage","arguments":{"action":"store","key":"quoted","value":{"a":"b"}}}}""",
        ];

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            foreach (var line in requests)
                await process.StandardInput.WriteLineAsync(line);
            await process.StandardInput.FlushAsync();

            var byId = new Dictionary<int, JsonElement>();
            var lines = new Dictionary<int, string>();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (byId.Count < 8)
            {
                var line = await process.StandardOutput.ReadLineAsync(cts.Token) ?? throw new Xunit.Sdk.XunitException($"stdout ended; stderr:\n{await stderr}");
                var message = JsonDocument.Parse(line).RootElement.Clone();
                if (message.TryGetProperty("id", out var id))
                    (byId[id.GetInt32()], lines[id.GetInt32()]) = (message, line);
            }
            process.StandardInput.Close();

            static JsonElement ToolError(JsonElement message)
            {
                var result = message.GetProperty("result");
                Assert.True(result.GetProperty("isError").GetBoolean(), message.ToString());
                return result.GetProperty("structuredContent").GetProperty("error");
            }

            static void ProtocolError(JsonElement message, string startsWith)
            {
                Assert.Equal(-32602, message.GetProperty("error").GetProperty("code").GetInt32());
                Assert.StartsWith(startsWith, message.GetProperty("error").GetProperty("message").GetString());
            }

            Assert.Equal("objective", ToolError(byId[2]).GetProperty("parameter").GetString());
            ProtocolError(byId[3], "params.name: required");
            ProtocolError(byId[4], "params.arguments: must be an object");
            Assert.Equal("objective", ToolError(byId[5]).GetProperty("parameter").GetString());
            Assert.Equal("value", ToolError(byId[6]).GetProperty("parameter").GetString());
            Assert.Equal(-32600, byId[7].GetProperty("error").GetProperty("code").GetInt32());
            Assert.StartsWith("Invalid Request: the message does not fit", byId[7].GetProperty("error").GetProperty("message").GetString());
            // The result's text is its JSON: quotes in it go out as \" (2 bytes), not \u0022 (6).
            Assert.False(byId[8].GetProperty("result").TryGetProperty("isError", out var failed) && failed.GetBoolean(), lines[8]);
            Assert.Contains("\\\"key\\\":\\\"quoted\\\"", lines[8]);
            Assert.DoesNotContain("\\u0022", lines[8]);
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the stdio server did not exit after stdin closed");
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            await DataDirectoryProcesses.StopAsync(dataDirectory); // the background gateway would outlive the test otherwise
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
