using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SwarmCluster.Gateway.Tests.Infrastructure;
using static SwarmCluster.Gateway.Tests.Infrastructure.McpCall;

namespace SwarmCluster.Gateway.Tests;

/// <summary>
/// neural_export / neural_import against the real libfann on the C side (programs compiled here with gcc), and
/// daa_meta_learning's measured accuracy change.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class NeuralTransferTests(GatewayFixture fixture)
{
    private static readonly double[][] Inputs = Enumerable.Range(0, 3)
        .Select(k => Enumerable.Range(0, 128).Select(i => Math.Round(Math.Abs(Math.Sin(i * 0.11 + k)), 6)).ToArray()).ToArray();

    [Fact]
    public async Task An_exported_network_gives_the_same_outputs_in_a_c_program_and_round_trips_in_pieces()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 3);
        var copy = await fixture.NewSwarm(maxAgents: 3);
        var run = await fixture.Run(
            Tool("a", "agent_spawn", new { type = "coder", swarmId = swarm }),
            Tool("t", "task_orchestrate", new { task = "compile the parser", swarmId = swarm }),
            Tool("c", "task_complete", new { taskId = Ref("t"), success = true, output = "ok", quality = 0.9 }),
            Tool("train", "neural_train", new { iterations = 5, swarmId = swarm }),
            Tool("export", "neural_export", new { swarmId = swarm }),
            Tool("out", "neural_process", new { inputs = Inputs, swarmId = swarm }));
        var export = run["export"].Success;
        Assert.Equal("FANN_FLO_2.1", export.GetProperty("format").GetString());
        Assert.Equal([128, 64, 32, 3], export.GetProperty("layers").EnumerateArray().Select(l => l.GetInt32()));
        Assert.True(export.GetProperty("trained").GetBoolean());
        var text = export.GetProperty("network").GetString()!;
        Assert.StartsWith("FANN_FLO_2.1\n", text);
        Assert.Equal(Encoding.ASCII.GetByteCount(text), export.GetProperty("bytes").GetInt32());

        var ours = Outputs(run["out"].Success.GetProperty("outputs"));
        using var dir = new TempDir();
        var net = dir.Write("exported.net", text);
        var inputs = dir.Write("inputs.txt", $"{Inputs.Length} 128\n" + string.Join("\n", Inputs.Select(v => string.Join(" ", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture))))));
        var theirs = (await CProgram.Run("run", net, inputs)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal(ours.Length, theirs.Length);
        for (var k = 0; k < ours.Length; k++)
            for (var o = 0; o < 3; o++)
                Assert.True(Math.Abs(ours[k][o] - theirs[k][o]) <= 1e-6, $"input {k} output {o}: {ours[k][o]} here, {theirs[k][o]} in C");

        // Too long for one string argument: sent in pieces, and the copy computes exactly the same.
        Assert.True(text.Length > 65_536);
        var parts = text.Chunk(60_000).Select(c => new string(c)).ToArray();
        var again = await fixture.Run(
            Tool("import", "neural_import", new { networkParts = parts, swarmId = copy }),
            Tool("out", "neural_process", new { inputs = Inputs, swarmId = copy }),
            Tool("export", "neural_export", new { swarmId = copy }));
        Assert.True(again["import"].Success.GetProperty("networkImported").GetBoolean());
        Assert.True(again["import"].Success.GetProperty("network").GetProperty("routingUsesNetwork").GetBoolean());
        Assert.Equal(ours, Outputs(again["out"].Success.GetProperty("outputs")));
        Assert.Equal(export.GetProperty("sha256").GetString(), again["export"].Success.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task A_network_trained_in_c_imports_and_routes_and_bad_texts_are_refused_before_libfann()
    {
        var swarm = await fixture.NewSwarm(maxAgents: 2, strategy: "specialized");
        using var dir = new TempDir();
        var hot1 = dir.Path("hot1.net");
        var hot0 = dir.Path("hot0.net");
        var small = dir.Path("small.net");
        await CProgram.Run("train", hot1, "1", "2");
        await CProgram.Run("train", hot0, "0", "2");
        await CProgram.Run("train", small, "0", "2", "10");

        var data = new StringBuilder("4 128 2\n");
        for (var p = 0; p < 4; p++)
            data.Append(string.Join(" ", Inputs[p % 3].Select(x => x.ToString("R", CultureInfo.InvariantCulture)))).Append('\n').Append(p % 2).Append(' ').Append(1 - p % 2).Append('\n');
        var run = await fixture.Run(
            Tool("a0", "agent_spawn", new { type = "coder", swarmId = swarm }),
            Tool("a1", "agent_spawn", new { type = "coder", swarmId = swarm }),
            Tool("import1", "neural_import", new { networkParts = Parts(await File.ReadAllTextAsync(hot1)), swarmId = swarm }),
            Tool("t1", "task_orchestrate", new { task = "write the handler", swarmId = swarm }),
            Tool("c1", "task_complete", new { taskId = Ref("t1"), success = true, output = "done" }),
            Tool("import0", "neural_import", new { networkParts = Parts(await File.ReadAllTextAsync(hot0)), swarmId = swarm }),
            Tool("t0", "task_orchestrate", new { task = "write the handler", swarmId = swarm }),
            Tool("data", "neural_import", new { trainingData = data.ToString(), epochs = 3, swarmId = swarm }),
            Tool("wrongShape", "neural_import", new { networkParts = Parts(await File.ReadAllTextAsync(small)), swarmId = swarm }),
            Tool("garbage", "neural_import", new { network = "FANN_FLO_2.1\nnum_layers=999999\n", swarmId = swarm }),
            Tool("symmetric", "neural_import", new { networkParts = Parts(OutputActivation(await File.ReadAllTextAsync(hot1), 33, "5")), swarmId = swarm }),
            Tool("both", "neural_import", new { network = "x", networkParts = new[] { "x" }, swarmId = swarm }),
            Tool("neither", "neural_import", new { swarmId = swarm }),
            Tool("wrongData", "neural_import", new { trainingData = "1 3 2\n0 0 0\n1 0\n", swarmId = swarm }),
            Tool("shortData", "neural_import", new { trainingData = "5 128 2\n0 1\n", swarmId = swarm }));

        var slot1 = run["a1"].Success.GetProperty("id").GetString();
        var slot0 = run["a0"].Success.GetProperty("id").GetString();
        Assert.True(run["import1"].Success.GetProperty("network").GetProperty("routingUsesNetwork").GetBoolean());
        var t1 = run["t1"].Success;
        Assert.Equal("network", t1.GetProperty("routing").GetProperty("method").GetString());
        Assert.Equal([slot1], t1.GetProperty("assignedAgents").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal([slot0], run["t0"].Success.GetProperty("assignedAgents").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("imported", run["import1"].Success.GetProperty("network").GetProperty("learning").GetProperty("history")
            .EnumerateArray().Last().GetProperty("trigger").GetString());
        Assert.Equal("custom", run["data"].Success.GetProperty("trainedNetwork").GetString()); // supplied samples never train routing
        Assert.Equal(4, run["data"].Success.GetProperty("trainingPairs").GetInt32());
        Assert.Equal(3, run["data"].Success.GetProperty("epochsTrained").GetInt32());

        var shape = run["wrongShape"].ToolError("invalid_argument", "[128, 64, 32, 2]");
        Assert.Equal("network", shape.GetProperty("parameter").GetString());
        Assert.Contains("[128, 10, 2]", run["wrongShape"].Text);
        Assert.Equal("network", run["garbage"].ToolError("invalid_argument", "num_layers").GetProperty("parameter").GetString());
        Assert.Equal("network", run["symmetric"].ToolError("invalid_argument", "output FANN_SIGMOID_SYMMETRIC").GetProperty("parameter").GetString());
        Assert.Equal("networkParts", run["both"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("network", run["neither"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("trainingData", run["wrongData"].ToolError("invalid_argument", "needs 128 inputs").GetProperty("parameter").GetString());
        Assert.Equal("trainingData", run["shortData"].ToolError("invalid_argument").GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Meta_learning_transfers_routing_and_reports_the_measured_held_out_accuracy_change()
    {
        // The source learns as routing does; the targets never train by themselves (trainEvery 0), so "before" is
        // the untrained network (every output 0.5: it predicts success everywhere).
        var source = await fixture.NewSwarm(maxAgents: 2, strategy: "specialized");
        var direct = await NewSwarm(trainEvery: 0);
        var adaptive = await NewSwarm(trainEvery: 0);
        var gradual = await NewSwarm(trainEvery: 0);
        var misfit = await fixture.NewSwarm(maxAgents: 3);
        foreach (var swarm in new[] { source, direct, adaptive, gradual })
            await RecordOutcomes(swarm, 40);
        var training = await fixture.Run(
            Tool("t1", "neural_train", new { iterations = 100, swarmId = source }),
            Tool("t2", "neural_train", new { iterations = 100, swarmId = source }));
        _ = training["t2"].Success;

        var run = await fixture.Run(
            Tool("held", "neural_status", new { swarmId = direct }),
            Tool("direct", "daa_meta_learning", new { sourceDomain = source, targetDomain = direct, transferMode = "direct" }),
            Tool("adaptive", "daa_meta_learning", new { sourceDomain = source, targetDomain = adaptive, transferMode = "adaptive" }),
            Tool("gradual", "daa_meta_learning", new { sourceDomain = source, targetDomain = gradual, transferMode = "gradual", agentIds = new[] { "db" } }),
            Tool("status", "daa_learning_status", new { swarmId = direct }),
            Tool("adaptiveStatus", "neural_status", new { swarmId = adaptive }),
            Tool("misfit", "daa_meta_learning", new { sourceDomain = misfit, targetDomain = direct, transferMode = "direct" }),
            Tool("same", "daa_meta_learning", new { sourceDomain = direct, targetDomain = direct }),
            Tool("noSource", "daa_meta_learning", new { targetDomain = direct }),
            Tool("unknown", "daa_meta_learning", new { sourceDomain = "swarm-nothere", targetDomain = direct }),
            Tool("badMode", "daa_meta_learning", new { sourceDomain = source, targetDomain = direct, transferMode = "telepathy" }));

        // The same held-out set and measure as the routing network's own status.
        var heldOut = run["held"].Success.GetProperty("network").GetProperty("learning").GetProperty("heldOutOutcomes").GetInt32();
        Assert.True(heldOut > 0);
        var report = run["direct"].Success;
        var before = report.GetProperty("before");
        var after = report.GetProperty("after");
        Assert.Equal(heldOut, before.GetProperty("heldOut").GetInt32());
        Assert.Equal(heldOut, after.GetProperty("heldOut").GetInt32());
        Assert.True(after.GetProperty("accuracy").GetDouble() > before.GetProperty("accuracy").GetDouble(),
            $"direct transfer: {before} → {after}");
        Assert.True(after.GetProperty("accuracy").GetDouble() >= 0.75, $"direct transfer reached only {after}");
        Assert.True(after.GetProperty("mse").GetDouble() < before.GetProperty("mse").GetDouble(), $"direct transfer: {before} → {after}");
        var status = run["status"].Success;
        Assert.Equal(after.GetProperty("accuracy").GetDouble(), status.GetProperty("routingAccuracy").GetProperty("accuracy").GetDouble());
        var learning = status.GetProperty("network").GetProperty("learning");
        Assert.Equal(after.GetProperty("accuracy").GetDouble(), learning.GetProperty("heldOutAccuracy").GetDouble());
        var swap = learning.GetProperty("history").EnumerateArray().Last();
        Assert.Equal("transferred", swap.GetProperty("trigger").GetString());
        Assert.Equal(before.GetProperty("accuracy").GetDouble(), swap.GetProperty("heldOutAccuracyBefore").GetDouble());
        Assert.True(status.GetProperty("network").GetProperty("routingUsesNetwork").GetBoolean());
        Assert.Equal(0, report.GetProperty("fineTuneSamples").GetInt32());

        var adapted = run["adaptive"].Success;
        var trainable = run["adaptiveStatus"].Success.GetProperty("network").GetProperty("learning").GetProperty("trainableOutcomes").GetInt32();
        Assert.Equal(trainable, adapted.GetProperty("fineTuneSamples").GetInt32());
        Assert.True(adapted.GetProperty("fineTuneEpochs").GetInt32() > 0);
        Assert.True(adapted.GetProperty("after").GetProperty("accuracy").GetDouble() >= 0.75, $"adaptive transfer reached only {adapted.GetProperty("after")}");
        Assert.Equal(["transferred", "fine_tuned"], run["adaptiveStatus"].Success.GetProperty("network").GetProperty("learning").GetProperty("history")
            .EnumerateArray().Select(h => h.GetProperty("trigger").GetString()).TakeLast(2));
        var blended = run["gradual"].Success;
        Assert.Equal(0.5, blended.GetProperty("blendOfSource").GetDouble());
        Assert.InRange(blended.GetProperty("after").GetProperty("heldOut").GetInt32(), 0, heldOut + 10); // only db's held-out outcomes

        Assert.Equal("sourceDomain", run["misfit"].ToolError("invalid_argument", "[128, 64, 32, 2]").GetProperty("parameter").GetString());
        Assert.Equal("sourceDomain", run["same"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("sourceDomain", run["noSource"].ToolError("invalid_argument").GetProperty("parameter").GetString());
        Assert.Equal("swarmId", run["unknown"].ToolError("not_found").GetProperty("parameter").GetString());
        Assert.Equal("transferMode", run["badMode"].ToolError("invalid_argument").GetProperty("parameter").GetString());
    }

    private async Task<string> NewSwarm(int trainEvery)
    {
        var run = await fixture.Run(Tool("init", "swarm_init", new { topology = "mesh", maxAgents = 2, strategy = "specialized", trainEvery }));
        return run["init"].Success.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Two specialists (daa agents "db" and "fe"), each given tasks of its kind: tuning and restyling succeed,
    /// migrating and porting fail, so a network that learnt the words predicts the failures an untrained one does not.
    /// </summary>
    private async Task RecordOutcomes(string swarm, int count)
    {
        var calls = new List<McpCall>
        {
            Tool("db", "daa_agent_create", new { id = "db", capabilities = new[] { "database" }, swarmId = swarm }),
            Tool("fe", "daa_agent_create", new { id = "fe", capabilities = new[] { "frontend" }, swarmId = swarm }),
        };
        for (var i = 0; i < count; i++)
        {
            var db = i % 2 == 0;
            var succeeds = i % 4 < 2;
            var task = (db, succeeds) switch
            {
                (true, true) => $"tune the database index on table t{i} for faster sql queries",
                (true, false) => $"migrate legacy schema s{i} across clusters overnight",
                (false, true) => $"restyle the frontend button on page p{i} with css layout",
                (false, false) => $"port widget w{i} onto deprecated toolkit version",
            };
            calls.Add(Tool($"t{i}", "task_orchestrate", new { task, requiredCapabilities = new[] { db ? "database" : "frontend" }, swarmId = swarm }));
            calls.Add(Tool($"c{i}", "task_complete", new { taskId = Ref($"t{i}"), success = succeeds, output = succeeds ? "done" : "gave up", quality = succeeds ? 1.0 : 0.0 }));
        }

        var run = await McpNodeClient.RunAsync(fixture.McpUrl, calls);
        for (var i = 0; i < count; i++)
            _ = run[$"c{i}"].Success;
    }

    /// <summary>The .net text with the activation of every neuron that has <paramref name="inputs"/> inputs (the output layer's 32 + bias) set to <paramref name="function"/> (fann_activationfunc_enum).</summary>
    private static string OutputActivation(string text, int inputs, string function) =>
        System.Text.RegularExpressions.Regex.Replace(text, $@"\({inputs}, \d+, ", $"({inputs}, {function}, ");

    private static string[] Parts(string text) => text.Chunk(60_000).Select(c => new string(c)).ToArray();

    private static double[][] Outputs(JsonElement outputs) =>
        outputs.EnumerateArray().Select(o => o.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToArray();

    private sealed class TempDir : IDisposable
    {
        private readonly string _root = TestPaths.NewTempDirectory("fann");

        public string Path(string name) => System.IO.Path.Combine(_root, name);

        public string Write(string name, string text)
        {
            File.WriteAllText(Path(name), text);
            return Path(name);
        }

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }

    /// <summary>The C programs in Fann/, compiled once per test run with gcc against the system's libfann (libfann-dev).</summary>
    private static class CProgram
    {
        private static readonly Lazy<Task<string>> Built = new(BuildAsync);

        public static async Task<string> Run(string program, params string[] args)
        {
            var bin = await Built.Value;
            return await Exec(System.IO.Path.Combine(bin, program), args);
        }

        private static async Task<string> BuildAsync()
        {
            var bin = TestPaths.NewTempDirectory("fann-bin");
            foreach (var program in new[] { "run", "train" })
                await Exec("gcc", ["-O2", "-o", System.IO.Path.Combine(bin, program), System.IO.Path.Combine(TestPaths.RepoRoot, "tests", "Gateway.Tests", "Fann", program + ".c"), "-lfloatfann", "-lm"]);
            return bin;
        }

        private static async Task<string> Exec(string file, string[] args)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args)
                info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
            return await stdout;
        }
    }
}
