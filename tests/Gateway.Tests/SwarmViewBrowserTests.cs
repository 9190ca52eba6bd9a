using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// The swarm view in a real browser: apt's headless Chromium driven by Playwright. A swarm made through the MCP
/// client (agents, a dependency, a completed and a claimed task, a training run) must be what the page draws.
/// The screenshot is kept under artifacts/.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class SwarmViewBrowserTests(GatewayFixture fixture)
{
    private static readonly string[] ChromiumPaths = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

    [Fact]
    public async Task Page_DrawsTheSwarmsAgentsTaskGraphAndTrainingCurve()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 4);
        var run = await fixture.Run(
            Tool("coder", "agent_spawn", new { type = "coder", name = "view-coder", swarmId = swarm }),
            Tool("analyst", "agent_spawn", new { type = "analyst", name = "view-analyst", swarmId = swarm }),
            Tool("parse", "task_orchestrate", new { task = "implement the config parser", swarmId = swarm }),
            Tool("test", "task_orchestrate", new { task = "test the config parser", swarmId = swarm, assign = false, dependsOn = new[] { Ref("parse") } }),
            Tool("docs", "task_orchestrate", new { task = "analyze the usage report", swarmId = swarm, assign = false }),
            Tool("done", "task_complete", new { taskId = Ref("parse"), success = true, quality = 0.8 }),
            Tool("claim", "task_claim", new { agentId = Ref("analyst"), swarmId = swarm, leaseSeconds = 600 }),
            Tool("train", "neural_train", new { swarmId = swarm, iterations = 7 }),
            Tool("status", "task_status", new { swarmId = swarm }));

        var agents = new[] { Id(run["coder"].Success), Id(run["analyst"].Success) };
        Assert.True(run["claim"].Success.GetProperty("claimed").GetBoolean(), run["claim"].Text);
        var tasks = run["status"].Success.GetProperty("tasks").EnumerateArray()
            .ToDictionary(t => t.GetProperty("id").GetString()!, t => t.GetProperty("status").GetString()!);
        Assert.Equal(3, tasks.Count);
        var parse = Id(run["parse"].Success);
        var test = Id(run["test"].Success);
        Assert.Equal("completed", tasks[parse]);
        var curve = run["train"].Success.GetProperty("epochMse").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(7, curve.Count);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1300, Height = 1500 } });
        await page.GotoAsync($"{fixture.Gateway.BaseUrl}/swarms#{swarm}");
        await page.WaitForSelectorAsync("body[data-loaded=true]");
        await page.WaitForSelectorAsync($"#swarm-title:text-is('{swarm}')");

        // Agents: one row per spawned agent, with its name and status.
        var rows = await page.Locator("#agents tr[data-agent-id]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.agentId)");
        Assert.Equal(agents.Order(), rows.Order());
        Assert.Contains("view-analyst", await page.Locator($"#agents tr[data-agent-id='{agents[1]}']").InnerTextAsync());
        Assert.Equal("busy", await page.Locator($"#agents tr[data-agent-id='{agents[1]}']").GetAttributeAsync("data-status"));

        // Task graph: a node per task in the state the server reports, and the dependency as an edge.
        foreach (var (id, status) in tasks)
            Assert.Equal(status, await page.Locator($"#task-graph g[data-task-id='{id}']").GetAttributeAsync("data-status"));
        Assert.Equal(3, await page.Locator("#task-graph g[data-task-id]").CountAsync());
        Assert.Equal(1, await page.Locator($"#task-graph path[data-edge='{parse}->{test}']").CountAsync());

        // Training curve: a plotted path with one point per epoch, ending at the run's final MSE.
        var plotted = page.Locator("#training-curve path.curve");
        Assert.Equal("7", await plotted.GetAttributeAsync("data-points"));
        Assert.Equal(6, (await plotted.GetAttributeAsync("d"))!.Count(c => c == 'L'));
        var lastMse = double.Parse((await page.Locator("#training-curve").GetAttributeAsync("data-last-mse"))!, CultureInfo.InvariantCulture);
        Assert.Equal(curve[^1], lastMse, 6);
        Assert.Contains("not yet measured", await page.Locator("#accuracy").InnerTextAsync());

        // The routing decisions the tasks recorded, with their scores.
        Assert.Equal(1, await page.Locator($"#decisions [data-decision-task='{parse}']").CountAsync());
        Assert.True(await page.Locator($"#decisions [data-decision-task='{parse}'] rect[data-score]").CountAsync() >= 1);

        var artifacts = Path.Combine(TestPaths.RepoRoot, "artifacts");
        Directory.CreateDirectory(artifacts);
        var screenshot = Path.Combine(artifacts, "swarm-view.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is suspiciously small");
    }

    private static string Id(JsonElement element) => element.GetProperty("id").GetString()!;

    private static string ChromiumPath() =>
        ChromiumPaths.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Chromium is not installed (apt-get install -y chromium; scripts/prereqs.sh test does this)");
}
