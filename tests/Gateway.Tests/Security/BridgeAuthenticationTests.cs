using System.Text.Json.Nodes;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests.Security;

/// <summary>
/// --stdio bridges to a gateway that requires keys: a bridge on the gateway's own data directory comes through its
/// owner-only socket and is the local admin (the implicit tenant); a --connect bridge is an HTTP client like any
/// other and carries SWARM_API_KEY.
/// </summary>
[Collection(SecuredGatewayCollection.Name)]
public sealed class BridgeAuthenticationTests(SecuredGatewayFixture f)
{
    [Fact]
    public async Task A_bridge_on_the_gateways_directory_is_the_local_admin_of_the_implicit_tenant_while_http_without_a_key_gets_401()
    {
        var owner = DataDirectoryProcesses.Owner(f.DataDirectory)!;
        Assert.Equal(f.Gateway.Pid, owner.Pid);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(owner.Bridge!));

        var bridge = await McpNodeClient.RunStdioAsync(["--stdio", "--data-dir", f.DataDirectory], new Dictionary<string, string>(),
            [ListTools(), Tool("init", "swarm_init", new { topology = "mesh" }), Tool("destroy", "swarm_destroy", new { swarmId = "${init.result.structuredContent.id}" })]);
        Assert.Equal(ToolCatalogTests.AllTools.Order(), bridge["list"].Result.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order());
        var swarmId = bridge["init"].Success.GetProperty("id").GetString()!;
        bridge["destroy"].Success.ToString(); // admin tools too

        // The same gateway over HTTP: nothing without a key; a key of tenant acme does not see the implicit tenant's swarm.
        Assert.Equal(401, (await f.Rest("swarm_status", new { swarmId }, null)).Status);
        var acme = await f.Mcp(f.Key("acme-admin"), Tool("init", "swarm_init", new { topology = "star" }));
        var acmeSwarm = acme["init"].Success.GetProperty("id").GetString()!;
        var fromBridge = await McpNodeClient.RunStdioAsync(["--stdio", "--data-dir", f.DataDirectory], new Dictionary<string, string>(),
            [Tool("status", "swarm_status", new { swarmId = acmeSwarm })]);
        fromBridge["status"].ToolError("not_found", $"swarm '{acmeSwarm}' not found");
    }

    [Fact]
    public async Task A_connect_bridge_sends_SWARM_API_KEY_and_is_that_keys_principal_and_without_a_key_is_told_to_set_it()
    {
        var reader = await McpNodeClient.RunStdioAsync(["--stdio", "--connect", f.McpUrl], new Dictionary<string, string> { ["SWARM_API_KEY"] = f.Key("acme-reader") },
            [ListTools(), Tool("init", "swarm_init", new { topology = "mesh" })]);
        var tools = reader["list"].Result.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Contains("swarm_status", tools);
        Assert.DoesNotContain("swarm_init", tools);
        reader["init"].ToolError("forbidden", "needs the 'write' scope");

        var spec = new JsonObject
        {
            ["stdio"] = new JsonObject
            {
                ["command"] = "dotnet",
                ["args"] = new JsonArray(TestPaths.GatewayDll, "--stdio", "--connect", f.McpUrl),
                ["env"] = new JsonObject { ["SWARM_API_KEY"] = "" },
                ["cwd"] = Path.GetTempPath(),
            },
            ["reportConnectError"] = true,
            ["calls"] = new JsonArray(new JsonObject { ["id"] = "list", ["method"] = "tools/list" }),
        };
        var refused = await McpNodeClient.RunSpecAsync(spec.ToJsonString());
        Assert.False(refused["connect"].Ok);
        Assert.Contains("HTTP 401", refused["connect"].ErrorMessage);
        Assert.Contains("SWARM_API_KEY", refused["connect"].ErrorMessage);
    }
}
