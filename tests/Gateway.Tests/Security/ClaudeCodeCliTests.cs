using System.Diagnostics;
using SwarmCluster.Gateway.Tests.Infrastructure;

namespace SwarmCluster.Gateway.Tests.Security;

/// <summary>
/// The real Claude Code CLI (npm @anthropic-ai/claude-code, pinned in tests/Gateway.Tests/claude-cli) against the
/// gateway with keys: registered by claude-register --token it connects; without a key, or with a revoked one, it
/// is refused. `claude mcp list` runs each server's health check (initialize) offline and needs no Anthropic account.
/// </summary>
[Collection(SecuredGatewayCollection.Name)]
public sealed class ClaudeCodeCliTests(SecuredGatewayFixture f)
{
    private static readonly string CliDirectory = Path.Combine(TestPaths.RepoRoot, "tests", "Gateway.Tests", "claude-cli");

    [Fact]
    public async Task Claude_code_connects_with_the_key_claude_register_gave_it_and_is_refused_without_one_or_with_a_revoked_one()
    {
        var bin = Path.Combine(CliDirectory, "node_modules", ".bin");
        var claude = Path.Combine(bin, "claude"); // the path: Process.Start searches the test's PATH, not the child's
        if (!File.Exists(claude))
            Assert.Fail($"Claude Code is not installed: run `npm ci` in {CliDirectory} (scripts/test.sh does this).");
        var home = TestPaths.NewTempDirectory("claude-home");
        var project = Directory.CreateDirectory(Path.Combine(home, "project")).FullName;
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["DISABLE_AUTOUPDATER"] = "1",
            ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
        };
        try
        {
            foreach (var (name, key) in new[] { ("withkey", f.Key("acme-reader")), ("revoked", f.Key("revoked")) })
            {
                var (exit, output) = await Run(project, environment, "dotnet", TestPaths.GatewayDll, "claude-register", "--url", f.McpUrl, "--name", name, "--token", key);
                Assert.True(exit == 0, output);
                Assert.DoesNotContain(key, output);
            }
            Assert.Equal(0, (await Run(project, environment, claude, "mcp", "add", "--transport", "http", "nokey", f.McpUrl)).Exit);

            var (_, list) = await Run(project, environment, claude, "mcp", "list");
            Assert.Matches($@"withkey: {f.McpUrl} \(HTTP\) - \S+ Connected", list);
            Assert.Matches(@"nokey: .* Failed to connect", list);
            Assert.Matches(@"revoked: .* Failed to connect.*401", list);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> Run(string directory, Dictionary<string, string> environment, string command, params string[] args)
    {
        var info = new ProcessStartInfo(command) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        if (command == "dotnet")
            GatewayProcess.ConfigureEnvironment(info);
        foreach (var (key, value) in environment)
            info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {string.Join(' ', args)} did not exit: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
