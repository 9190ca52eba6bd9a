using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Gateway.Mcp;
using SwarmCluster.Gateway.Security;
using SwarmCluster.Gateway.Tests.Infrastructure;

namespace SwarmCluster.Gateway.Tests.Security;

/// <summary>Safe defaults at start (no open gateway beyond loopback), create-key, claude-register --token, generic internal errors.</summary>
public sealed class StartupAndCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> RunGateway(IDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(TestPaths.GatewayDll);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        GatewayProcess.ConfigureEnvironment(info);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the gateway did not exit: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    [Theory]
    [InlineData("--urls", "http://0.0.0.0:{port}")]
    [InlineData("--urls", "http://[::]:{port}")]
    [InlineData("--urls", "http://127.0.0.1:{port};http://*:{port2}")]
    [InlineData("--http_ports", "{port}")]
    public async Task Listening_beyond_loopback_without_authentication_refuses_to_start_and_says_how_to_configure_it(string option, string value)
    {
        var data = TestPaths.NewTempDirectory("refuse");
        try
        {
            var url = value.Replace("{port2}", GatewayProcess.FreePort().ToString()).Replace("{port}", GatewayProcess.FreePort().ToString());
            var watch = Stopwatch.StartNew();
            var (exit, output, error) = await RunGateway(null, option, url, "--data-dir", data);
            Assert.Equal(3, exit);
            Assert.Contains("refuses to start", error);
            Assert.Contains("create-key", error);
            Assert.Contains("SwarmCluster:Auth:Jwt:Authority", error);
            Assert.Contains("SwarmCluster:Auth:AllowAnonymous=true", error);
            Assert.DoesNotContain("Orleans Silo started", output + error); // refused before anything started
            Assert.False(File.Exists(Path.Combine(data, "swarm.db")));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task The_explicit_opt_out_starts_beyond_loopback_and_says_so_loudly()
    {
        var data = TestPaths.NewTempDirectory("anonymous");
        var port = GatewayProcess.FreePort();
        // A Kestrel endpoint on every interface (it replaces --urls; the tests still reach it on 127.0.0.1).
        await using var gateway = await GatewayProcess.StartAsync(data, new Dictionary<string, string?>
        {
            ["Kestrel__Endpoints__All__Url"] = $"http://0.0.0.0:{port}",
            ["SwarmCluster__Auth__AllowAnonymous"] = "true",
        }, port);
        Assert.Contains("SERVING WITHOUT AUTHENTICATION", gateway.Output);
        var run = await McpNodeClient.RunAsync(gateway.McpUrl, McpCall.Tool("plan", "swarm_plan", new { objective = "ship it" }));
        _ = run["plan"].Success;
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:8765", true)]
    [InlineData("http://localhost:8765", true)]
    [InlineData("http://[::1]:8765", true)]
    [InlineData("http://127.1.2.3:8765", true)]
    [InlineData("http://0.0.0.0:8765", false)]
    [InlineData("http://*:8765", false)]
    [InlineData("http://+:8765", false)]
    [InlineData("http://[::]:8765", false)]
    [InlineData("https://swarm.example.com", false)]
    [InlineData("http://10.0.0.5:80", false)]
    public void Loopback_is_recognised_in_every_url_form(string url, bool loopback) =>
        Assert.Equal(loopback, GatewaySecurity.IsLoopback(url));

    [Fact]
    public void Bad_auth_settings_stop_the_gateway_naming_the_setting()
    {
        foreach (var (settings, setting) in new (Dictionary<string, string?>, string)[]
        {
            (new() { ["SwarmCluster:Auth:ApiKeys:0:Name"] = "a", ["SwarmCluster:Auth:ApiKeys:0:Tenant"] = "Acme", ["SwarmCluster:Auth:ApiKeys:0:Scopes"] = "read", ["SwarmCluster:Auth:ApiKeys:0:Hash"] = ApiKeys.Hash("x") }, "ApiKeys:0:Tenant"),
            (new() { ["SwarmCluster:Auth:ApiKeys:0:Name"] = "a", ["SwarmCluster:Auth:ApiKeys:0:Tenant"] = "acme", ["SwarmCluster:Auth:ApiKeys:0:Scopes"] = "root", ["SwarmCluster:Auth:ApiKeys:0:Hash"] = ApiKeys.Hash("x") }, "ApiKeys:0:Scopes"),
            (new() { ["SwarmCluster:Auth:ApiKeys:0:Name"] = "a", ["SwarmCluster:Auth:ApiKeys:0:Tenant"] = "acme", ["SwarmCluster:Auth:ApiKeys:0:Scopes"] = "read", ["SwarmCluster:Auth:ApiKeys:0:Hash"] = "plain-key" }, "ApiKeys:0:Hash"),
            (new() { ["SwarmCluster:Auth:Jwt:Authority"] = "https://idp.example" }, "SwarmCluster:Auth:Resource"),
            (new() { ["SwarmCluster:Auth:Jwt:SigningKeys"] = "{\"keys\":[]}", ["SwarmCluster:Auth:Jwt:Issuer"] = "i", ["SwarmCluster:Auth:Resource"] = "http://x/mcp" }, "Jwt:SigningKeys"),
        })
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var error = Assert.Throws<InvalidOperationException>(() => AuthSettings.FromConfiguration(configuration));
            Assert.Contains(setting, error.Message);
        }
    }

    [Fact]
    public async Task Create_key_prints_the_key_once_and_its_configuration_entry_as_two_lines()
    {
        var (exit, output, error) = await RunGateway(null, "create-key", "--tenant", "acme", "--scopes", "read,write", "--name", "ci-runner");
        Assert.True(exit == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("key: sck_", lines[0]);
        Assert.StartsWith("config: {", lines[1]);
        var key = lines[0]["key: ".Length..].Trim();
        var entry = JsonDocument.Parse(lines[1]["config: ".Length..]).RootElement;
        Assert.Equal("ci-runner", entry.GetProperty("Name").GetString());
        Assert.Equal("acme", entry.GetProperty("Tenant").GetString());
        Assert.Equal("read,write", entry.GetProperty("Scopes").GetString());
        Assert.Equal(ApiKeys.Hash(key), entry.GetProperty("Hash").GetString());
        Assert.DoesNotContain(key, lines[1]); // the configuration never holds the key itself

        // The entry, as written, is a valid configuration that authenticates the key.
        var settings = entry.EnumerateObject().ToDictionary(p => $"SwarmCluster:Auth:ApiKeys:0:{p.Name}", p => (string?)p.Value.GetString());
        var store = new ApiKeyStore(AuthSettings.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()));
        Assert.Equal("ci-runner", store.Find(key)?.Name);
        Assert.Null(store.Find(ApiKeys.NewKey()));

        var second = await RunGateway(null, "create-key", "--tenant", "acme", "--scopes", "read");
        Assert.NotEqual(lines[0], second.Out.Split('\n')[0]); // a fresh key every time

        var (badExit, _, badError) = await RunGateway(null, "create-key", "--tenant", "Acme-Corp", "--scopes", "read");
        Assert.Equal(2, badExit);
        Assert.Contains("--tenant", badError);
    }

    [Fact]
    public async Task Claude_register_with_a_token_adds_the_authorization_header()
    {
        var bin = TestPaths.NewTempDirectory("claude-token");
        var record = Path.Combine(bin, "args.txt");
        var fake = Path.Combine(bin, "claude");
        await File.WriteAllTextAsync(fake, $"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{record}'\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var key = ApiKeys.NewKey();
        try
        {
            var path = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
            var (exit, output, error) = await RunGateway(new Dictionary<string, string> { ["PATH"] = path },
                "claude-register", "--url", "https://swarm.example.com/mcp", "--token", key);
            Assert.True(exit == 0, output + error);
            Assert.Equal(["mcp", "add", "--transport", "http", "swarmcluster", "https://swarm.example.com/mcp", "--header", $"Authorization: Bearer {key}"],
                (await File.ReadAllLinesAsync(record)).Where(l => l.Length > 0));
            Assert.DoesNotContain(key, output); // echoed without the key
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }

        if (File.Exists("/usr/local/bin/claude"))
            return; // a real Claude Code in /usr/local/bin is always found; the printed forms are for machines without it
        var home = TestPaths.NewTempDirectory("home");
        try
        {
            var (exit, output, _) = await RunGateway(new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["HOME"] = home }, "claude-register", "--token", key);
            Assert.Equal(0, exit);
            Assert.Contains($"claude mcp add --transport http swarmcluster http://127.0.0.1:8765/mcp --header 'Authorization: Bearer {key}'", output);
            var server = JsonDocument.Parse(output[output.IndexOf('{')..]).RootElement.GetProperty("mcpServers").GetProperty("swarmcluster");
            Assert.Equal("Bearer ${SWARM_API_KEY}", server.GetProperty("headers").GetProperty("Authorization").GetString());
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public void An_internal_error_tells_the_client_a_correlation_id_and_nothing_else()
    {
        var error = ToolError.FromException(new InvalidOperationException("connection string Host=db;Password=hunter2 failed"), "swarm_init", CancellationToken.None)!;
        Assert.Equal(ToolError.Internal, error.Kind);
        Assert.DoesNotContain("hunter2", error.Message);
        Assert.DoesNotContain("InvalidOperationException", error.Message);
        Assert.Matches("^[0-9a-f]{16}$", error.CorrelationId);
        Assert.Contains(error.CorrelationId!, error.Message);
        Assert.NotEqual(error.CorrelationId, ToolError.FromException(new Exception(), "x", CancellationToken.None)!.CorrelationId);

        // Domain errors still say exactly what was wrong.
        var domain = ToolError.FromException(DomainException.Invalid("maxAgents", "must be between 1 and 100"), "swarm_init", CancellationToken.None)!;
        Assert.Equal("maxAgents: must be between 1 and 100", domain.Message);
        Assert.Null(domain.CorrelationId);
    }
}
