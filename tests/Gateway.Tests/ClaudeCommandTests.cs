using System.Diagnostics;
using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;

namespace SwarmCluster.Gateway.Tests;

/// <summary>claude-register and claude-config (no silo is started for these commands).</summary>
public sealed class ClaudeCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> RunGateway(IDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(TestPaths.GatewayDll);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task ClaudeRegister_RunsClaudeMcpAdd_WhenClaudeIsInstalled()
    {
        var bin = TestPaths.NewTempDirectory("claude");
        var record = Path.Combine(bin, "args.txt");
        var fake = Path.Combine(bin, "claude");
        await File.WriteAllTextAsync(fake, $"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{record}'\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var path = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
            var (exit, output, error) = await RunGateway(new Dictionary<string, string> { ["PATH"] = path },
                "claude-register", "--url", "http://127.0.0.1:9999/mcp", "--name", "swarm-test");
            Assert.True(exit == 0, output + error);
            Assert.Equal(["mcp", "add", "--transport", "http", "swarm-test", "http://127.0.0.1:9999/mcp"],
                (await File.ReadAllLinesAsync(record)).Where(l => l.Length > 0));
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [Fact]
    public async Task ClaudeRegister_RegistersTheStdioBridge_ByDefault()
    {
        var bin = TestPaths.NewTempDirectory("claude");
        var record = Path.Combine(bin, "args.txt");
        var fake = Path.Combine(bin, "claude");
        await File.WriteAllTextAsync(fake, $"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{record}'\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var path = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
            var (exit, output, error) = await RunGateway(new Dictionary<string, string> { ["PATH"] = path },
                "claude-register", "--scope", "user", "--data-dir", "/tmp/swarm-shared");
            Assert.True(exit == 0, output + error);
            Assert.Equal(["mcp", "add", "--transport", "stdio", "--scope", "user", "swarmcluster", "--", "dotnet", TestPaths.GatewayDll, "--stdio", "--data-dir", "/tmp/swarm-shared"],
                (await File.ReadAllLinesAsync(record)).Where(l => l.Length > 0));
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [Fact]
    public async Task ClaudeRegister_PrintsTheBridgeCommandAndMcpJson_WhenClaudeIsAbsent()
    {
        if (File.Exists("/usr/local/bin/claude"))
            return; // a real Claude Code here would be found in /usr/local/bin whatever PATH says; covered by the tests above
        var home = TestPaths.NewTempDirectory("home");
        try
        {
            var (exit, output, _) = await RunGateway(new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["HOME"] = home },
                "claude-register", "--data-dir", "/tmp/swarm-shared");
            Assert.Equal(0, exit);
            Assert.Contains($"claude mcp add --transport stdio swarmcluster -- dotnet {TestPaths.GatewayDll} --stdio --data-dir /tmp/swarm-shared", output);
            var json = output[output.IndexOf('{')..];
            var server = JsonDocument.Parse(json).RootElement.GetProperty("mcpServers").GetProperty("swarmcluster");
            Assert.Equal("stdio", server.GetProperty("type").GetString());
            Assert.Equal("dotnet", server.GetProperty("command").GetString());
            Assert.Equal([TestPaths.GatewayDll, "--stdio", "--data-dir", "/tmp/swarm-shared"],
                server.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task ClaudeConfig_PrintsADesktopStdioEntry()
    {
        var (exit, output, _) = await RunGateway(null, "claude-config", "--data-dir", "/tmp/swarm-desktop");
        Assert.Equal(0, exit);
        var server = JsonDocument.Parse(output).RootElement.GetProperty("mcpServers").GetProperty("swarmcluster");
        Assert.Equal("dotnet", server.GetProperty("command").GetString());
        var args = server.GetProperty("args").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Equal(TestPaths.GatewayDll, args[0]);
        Assert.Equal(["--stdio", "--data-dir", "/tmp/swarm-desktop"], args.Skip(1));
    }

    [Fact]
    public async Task ClaudeRegister_RejectsUnknownArguments()
    {
        var (exit, _, error) = await RunGateway(null, "claude-register", "--port", "1");
        Assert.Equal(2, exit);
        Assert.Contains("unexpected argument '--port'", error);

        (exit, _, error) = await RunGateway(null, "claude-register", "--url", "http://127.0.0.1:1/mcp", "--data-dir", "/tmp/x");
        Assert.Equal(2, exit);
        Assert.Contains("--url and --data-dir exclude each other", error);
    }
}
