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
        // trainEvery 2: the routing network trains by itself after two new trainable outcomes.
        var init = await fixture.Run(Tool("init", "swarm_init", new { topology = "mesh", maxAgents = 4, trainEvery = 2 }));
        var swarm = init["init"].Success.GetProperty("id").GetString()!;
        var calls = new List<McpCall>
        {
            Tool("coder", "agent_spawn", new { type = "coder", name = "view-coder", swarmId = swarm }),
            Tool("analyst", "agent_spawn", new { type = "analyst", name = "view-analyst", swarmId = swarm }),
            Tool("parse", "task_orchestrate", new { task = "implement the config parser", swarmId = swarm }),
            Tool("test", "task_orchestrate", new { task = "test the config parser", swarmId = swarm, assign = false, dependsOn = new[] { Ref("parse") } }),
            Tool("docs", "task_orchestrate", new { task = "analyze the usage report", swarmId = swarm, assign = false }),
            Tool("done", "task_complete", new { taskId = Ref("parse"), success = true, quality = 0.8 }),
            Tool("claim", "task_claim", new { agentId = Ref("analyst"), swarmId = swarm, leaseSeconds = 600 }),
        };
        // More outcomes (one in five is held out of training): each routed to the idle coder and reported at once.
        for (var i = 0; i < 6; i++)
        {
            calls.Add(Tool($"extra{i}", "task_orchestrate", new { task = $"implement config section {i}", swarmId = swarm }));
            calls.Add(Tool($"extra{i}-done", "task_complete", new { taskId = Ref($"extra{i}"), success = i % 3 != 2 }));
        }

        var setup = await fixture.Run([.. calls]);
        Assert.True(setup["claim"].Success.GetProperty("claimed").GetBoolean(), setup["claim"].Text);
        for (var i = 0; i < 6; i++)
            _ = setup[$"extra{i}-done"].Success;

        // Automatic trainings run in the background: wait until one has run and none runs or is due, then train once
        // by hand (a manual training while an automatic one runs would be refused as a conflict).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await Learning(swarm) is var l && (l.GetProperty("trainings").GetInt32() == 0 || l.GetProperty("trainingRunning").GetBoolean()
            || l.GetProperty("outcomesUntilTraining").GetInt32() == 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "the routing network did not train by itself within 60 s");
            await Task.Delay(250);
        }

        var run = await fixture.Run(
            Tool("train", "neural_train", new { swarmId = swarm, iterations = 7 }),
            Tool("status", "task_status", new { swarmId = swarm }));
        var learning = await Learning(swarm);
        var history = learning.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal("automatic", history[0].GetProperty("trigger").GetString());
        Assert.Equal("manual", history[^1].GetProperty("trigger").GetString());

        var agents = new[] { Id(setup["coder"].Success), Id(setup["analyst"].Success) };
        var tasks = run["status"].Success.GetProperty("tasks").EnumerateArray()
            .ToDictionary(t => t.GetProperty("id").GetString()!, t => t.GetProperty("status").GetString()!);
        Assert.Equal(9, tasks.Count);
        var parse = Id(setup["parse"].Success);
        var test = Id(setup["test"].Success);
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
        Assert.Equal(tasks.Count, await page.Locator("#task-graph g[data-task-id]").CountAsync());
        Assert.Equal(1, await page.Locator($"#task-graph path[data-edge='{parse}->{test}']").CountAsync());

        // Training curve: one plotted path per training in the history (automatic first, the manual one last),
        // each with the points the history keeps, ending at the manual run's final MSE.
        var plotted = page.Locator("#training-curve path.curve");
        Assert.Equal(history.Count, await plotted.CountAsync());
        for (var i = 0; i < history.Count; i++)
        {
            var points = history[i].GetProperty("epochMse").GetArrayLength();
            Assert.Equal(points.ToString(CultureInfo.InvariantCulture), await plotted.Nth(i).GetAttributeAsync("data-points"));
            Assert.Equal(points - 1, (await plotted.Nth(i).GetAttributeAsync("d"))!.Count(c => c == 'L'));
            Assert.Equal(history[i].GetProperty("trigger").GetString(), await plotted.Nth(i).GetAttributeAsync("data-trigger"));
        }

        Assert.Equal("7", await plotted.Last.GetAttributeAsync("data-points"));
        var lastMse = double.Parse((await page.Locator("#training-curve").GetAttributeAsync("data-last-mse"))!, CultureInfo.InvariantCulture);
        Assert.Equal(curve[^1], lastMse, 6);

        // Held-out accuracy before and after each training, and now, as the server measured them.
        var items = page.Locator("#training-curve li[data-trigger]");
        Assert.Equal(history.Count, await items.CountAsync());
        for (var i = 0; i < history.Count; i++)
        {
            Assert.Equal(Figure(history[i].GetProperty("heldOutAccuracyBefore")), await items.Nth(i).GetAttributeAsync("data-before"));
            Assert.Equal(Figure(history[i].GetProperty("heldOutAccuracyAfter")), await items.Nth(i).GetAttributeAsync("data-after"));
        }

        var accuracy = learning.GetProperty("heldOutAccuracy");
        Assert.Equal(Figure(accuracy), await page.Locator("#accuracy").GetAttributeAsync("data-held-out-accuracy"));
        if (accuracy.ValueKind == JsonValueKind.Null)
            Assert.Contains("not yet measured", await page.Locator("#accuracy").InnerTextAsync());
        else
            Assert.Contains($"{Math.Round(accuracy.GetDouble() * 100, MidpointRounding.AwayFromZero)}%", await page.Locator("#accuracy").InnerTextAsync());
        Assert.Equal("false", await page.Locator("#custom-network").GetAttributeAsync("data-trained"));

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

    /// <summary>How the page writes a figure into a data attribute (JavaScript's number text; null as empty).</summary>
    private static string Figure(JsonElement value) => value.ValueKind == JsonValueKind.Null ? "" : value.GetRawText();

    private async Task<JsonElement> Learning(string swarm) =>
        (await fixture.Run(Tool("neural", "neural_status", new { swarmId = swarm })))["neural"].Success.GetProperty("network").GetProperty("learning");

    private static string ChromiumPath() =>
        ChromiumPaths.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Chromium is not installed (apt-get install -y chromium; scripts/prereqs.sh test does this)");
}
