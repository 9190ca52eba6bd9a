using System.Net;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests.Security;

/// <summary>Quotas per tenant ("tiny": 2 swarms, 3 agents, 4 tasks, 300 bytes of memory) and the rate limit per principal.</summary>
[Collection(SecuredGatewayCollection.Name)]
public sealed class QuotaAndRateLimitTests(SecuredGatewayFixture f)
{
    [Fact]
    public async Task Every_quota_refuses_the_creation_past_it_with_a_clear_error_and_gives_room_back()
    {
        var key = f.Key("tiny-admin");
        var run = await f.Mcp(key,
            Tool("s1", "swarm_init", new { topology = "mesh", maxAgents = 10 }),
            Tool("s2", "swarm_init", new { topology = "mesh", maxAgents = 10 }),
            Tool("s3", "swarm_init", new { topology = "mesh" }),
            Tool("a1", "agent_spawn", new { type = "coder", swarmId = Ref("s1") }),
            Tool("a2", "agent_spawn", new { type = "coder", swarmId = Ref("s1") }),
            Tool("a3", "agent_spawn", new { type = "tester", swarmId = Ref("s2") }),
            Tool("a4", "agent_spawn", new { type = "tester", swarmId = Ref("s2") }),
            Tool("t1", "task_orchestrate", new { task = "one", swarmId = Ref("s1"), assign = false }),
            Tool("t2", "task_orchestrate", new { task = "two", swarmId = Ref("s1"), assign = false }),
            Tool("t3", "task_orchestrate", new { task = "three", swarmId = Ref("s2"), assign = false }),
            Tool("t4", "task_orchestrate", new { task = "four", swarmId = Ref("s2"), assign = false }),
            Tool("t5", "task_orchestrate", new { task = "five", swarmId = Ref("s2"), assign = false }),
            Tool("m1", "memory_usage", new { action = "store", key = "a", value = new string('x', 100) }),
            Tool("m2", "memory_usage", new { action = "store", key = "b", value = new string('y', 100) }),
            Tool("m3", "memory_usage", new { action = "store", key = "c", value = new string('z', 100) }),
            Tool("count", "swarm_status", new { swarmId = Ref("s2") }));

        foreach (var ok in new[] { "s1", "s2", "a1", "a2", "a3", "t1", "t2", "t3", "t4", "m1", "m2" })
            _ = run[ok].Success;
        run["s3"].ToolError("capacity_exceeded", "tenant 'tiny' has reached its quota of 2 swarms");
        run["a4"].ToolError("capacity_exceeded", "quota of 3 agents");
        run["t5"].ToolError("capacity_exceeded", "quota of 4 tasks");
        run["m3"].ToolError("capacity_exceeded", "quota of 300 bytes");
        // Refused means unchanged: s2 kept one agent and two tasks, c was not stored.
        Assert.Equal(1, run["count"].Success.GetProperty("agents").GetProperty("total").GetInt32());
        Assert.Equal(2, run["count"].Success.GetProperty("tasks").GetProperty("total").GetInt32());

        var (status, body, _) = await f.Rest("swarm_init", new { topology = "ring" }, key);
        Assert.True(status == 409, body.ToString());
        Assert.Contains("SwarmCluster:Quotas:Swarms", body.GetProperty("error").GetProperty("message").GetString());

        // Destroying a swarm and deleting an entry give their room back.
        var again = await f.Mcp(key,
            Tool("destroy", "swarm_destroy", new { swarmId = run["s1"].Success.GetProperty("id").GetString() }),
            Tool("s4", "swarm_init", new { topology = "mesh" }),
            Tool("a5", "agent_spawn", new { type = "coder", swarmId = Ref("s4") }),
            Tool("del", "memory_usage", new { action = "delete", key = "a" }),
            Tool("m4", "memory_usage", new { action = "store", key = "c", value = new string('z', 100) }));
        foreach (var ok in new[] { "destroy", "s4", "a5", "del", "m4" })
            _ = again[ok].Success;

        // Other tenants are not limited by tiny's quotas.
        Assert.Equal(200, (await f.Rest("swarm_init", new { topology = "mesh" }, f.Key("globex-writer"))).Status);
    }

    [Fact]
    public async Task A_principal_over_its_rate_limit_gets_429_with_retry_after_and_others_are_not_affected()
    {
        var key = f.Key("burst");
        var requests = SecuredGatewayFixture.Burst * 3;
        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(_ => f.Rest("swarm_plan", new { objective = "plan a release" }, key)));
        var limited = responses.Where(r => r.Status == 429).ToList();
        Assert.True(limited.Count > 0, $"no 429 among {requests} requests at once (statuses: {string.Join(",", responses.Select(r => r.Status).Distinct())})");
        Assert.All(responses, r => Assert.True(r.Status is 200 or 429, $"unexpected {r.Status}"));
        Assert.True(responses.Count(r => r.Status == 200) >= SecuredGatewayFixture.Burst / 2, "the burst itself must be served");
        foreach (var (_, body, response) in limited.Take(3))
        {
            var retryAfter = response.Headers.RetryAfter?.Delta ?? TimeSpan.Zero;
            Assert.True(retryAfter >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
            Assert.Equal("rate_limited", body.GetProperty("error").GetProperty("kind").GetString());
            Assert.Contains("retry after", body.GetProperty("error").GetProperty("message").GetString());
        }

        // Another principal is not throttled by this one, and over MCP the client sees the 429 as such.
        Assert.Equal(200, (await f.Rest("swarm_plan", new { objective = "plan a release" }, f.Key("acme-reader"))).Status);
        var mcp = await McpNodeClient.RunWithTokenAsync(f.McpUrl, key, concurrent: true,
            Enumerable.Range(0, SecuredGatewayFixture.Burst * 3).Select(i => Tool("p" + i, "swarm_plan", new { objective = "plan" })));
        Assert.True(mcp.All.Any(o => !o.Ok && (o.ErrorCode == 429 || (o.ErrorMessage ?? "").Contains("429", StringComparison.Ordinal))),
            $"no 429 over MCP; outcomes: {string.Join(", ", mcp.All.Select(o => o.Ok ? "ok" : $"{o.ErrorCode}").Distinct())}");
        foreach (var r in responses)
            r.Response.Dispose();
        await Task.Delay(TimeSpan.FromSeconds(SecuredGatewayFixture.Burst / SecuredGatewayFixture.PermitsPerSecond + 1)); // leave a full bucket behind
    }
}
