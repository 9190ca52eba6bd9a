using System.Diagnostics;
using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;

namespace SwarmCluster.Gateway.Tests;

/// <summary>--stdio: the same tools over stdin/stdout, with stdout carrying JSON-RPC only.</summary>
public sealed class StdioTests
{
    [Fact]
    public async Task Stdio_AnswersToolsList_WithOnlyJsonOnStdout()
    {
        var dataDirectory = TestPaths.NewTempDirectory("stdio");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(), // started from anywhere, like Claude Desktop does
        };
        foreach (var arg in new[] { TestPaths.GatewayDll, "--stdio", "--data-dir", dataDirectory })
            info.ArgumentList.Add(arg);
        GatewayProcess.ConfigureEnvironment(info);

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var stdin = process.StandardInput;
            await stdin.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"stdio-test","version":"1"}}}""");
            await stdin.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
            await stdin.WriteLineAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
            await stdin.WriteLineAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"swarm_init","arguments":{"topology":"star","maxAgents":2}}}""");
            await stdin.WriteLineAsync("""{"jsonrpc":"2.0","id":4,"method":"ping"}""");
            await stdin.FlushAsync();

            var lines = new List<string>();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (lines.Count < 4)
            {
                var line = await process.StandardOutput.ReadLineAsync(cts.Token);
                if (line is null)
                    break;
                lines.Add(line);
            }

            stdin.Close(); // end of input: the server and its silo shut down
            var rest = await process.StandardOutput.ReadToEndAsync(cts.Token);
            lines.AddRange(rest.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            await process.WaitForExitAsync(cts.Token);

            var messages = lines.Select(l =>
            {
                try
                {
                    return JsonDocument.Parse(l).RootElement.Clone();
                }
                catch (JsonException)
                {
                    throw new Xunit.Sdk.XunitException($"non-JSON line on stdout: {l}");
                }
            }).ToList();
            Assert.All(messages, m => Assert.Equal("2.0", m.GetProperty("jsonrpc").GetString()));
            var byId = messages.Where(m => m.TryGetProperty("id", out _)).ToDictionary(m => m.GetProperty("id").GetInt32());

            Assert.Equal("swarmcluster", byId[1].GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
            var tools = byId[2].GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
            Assert.Equal(ToolCatalogTests.AllTools.Order(), tools.Order());
            var swarm = byId[3].GetProperty("result").GetProperty("structuredContent");
            Assert.Equal("star", swarm.GetProperty("topology").GetString());
            Assert.True(byId[4].TryGetProperty("result", out _));
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("Orleans", await stderr); // the logs went to stderr
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
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
