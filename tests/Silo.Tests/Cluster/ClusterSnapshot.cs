using System.Text.Json;
using System.Text.Json.Nodes;

using SwarmCluster.Tests.Shared;

namespace SwarmCluster.Silo.Tests.Cluster;

/// <summary>
/// Everything the cluster holds, read through the gateway: every registered swarm (info, agents, tasks with
/// their results, counters, network status and its output on a fixed input) and every memory namespace's
/// entries. Two snapshots compare equal when nothing was lost or changed.
/// </summary>
internal static class ClusterSnapshot
{
    /// <summary>A fixed network input (the input size is 128).</summary>
    public static readonly double[] FixedInput = Enumerable.Range(0, 128).Select(i => Math.Round(Math.Abs(Math.Sin(i * 0.61)), 4)).ToArray();

    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(20);

    public static async Task<JsonObject> TakeAsync(GatewayClient gateway)
    {
        var swarms = new JsonObject();
        var memory = new JsonObject();

        // swarm_status without swarmId answers for the newest swarm and lists the registered ones (the newest 100).
        var first = await gateway.RetryAsync("swarm_status", new { }, CallDeadline);
        var swarmIds = first.Status == 404
            ? []
            : Require(first).GetProperty("swarmIds").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToList();
        if (first.Status != 404 && Require(first).GetProperty("swarmCount").GetInt32() != swarmIds.Count)
        {
            throw new InvalidOperationException("the cluster holds more swarms than swarm_status lists");
        }

        using var gate = new SemaphoreSlim(4);
        var perSwarm = await Task.WhenAll(swarmIds.Select(async id =>
        {
            await gate.WaitAsync();
            try
            {
                return (id, await SwarmAsync(gateway, id));
            }
            finally
            {
                gate.Release();
            }
        }));
        foreach (var (id, node) in perSwarm)
        {
            swarms[id] = node;
        }

        var statistics = Require(await gateway.RetryAsync("memory_usage", new { detail = "detailed" }, CallDeadline));
        var namespaces = statistics.GetProperty("memory").GetProperty("byNamespace").EnumerateArray()
            .Select(n => n.GetProperty("namespace").GetString()!).Order(StringComparer.Ordinal).ToList();
        foreach (var ns in namespaces)
        {
            var listing = Require(await gateway.RetryAsync("memory_usage", new { action = "list", @namespace = ns, limit = 1000 }, CallDeadline));
            if (listing.GetProperty("total").GetInt32() != listing.GetProperty("count").GetInt32())
            {
                throw new InvalidOperationException($"namespace {ns} holds more entries than one listing returns");
            }

            var entries = new JsonArray();
            foreach (var entry in listing.GetProperty("entries").EnumerateArray().OrderBy(e => e.GetProperty("key").GetString(), StringComparer.Ordinal))
            {
                var node = JsonNode.Parse(entry.GetRawText())!.AsObject();
                // false → true once written behind; not a change of the entry.
                node.Remove("durable");
                entries.Add(node);
            }

            memory[ns] = entries;
        }

        return new JsonObject { ["swarms"] = swarms, ["memory"] = memory };
    }

    /// <summary>Up to <paramref name="max"/> differences as "path: before → after".</summary>
    public static List<string> Differences(JsonNode? before, JsonNode? after, int max = 25)
    {
        var found = new List<string>();
        Walk("$", before, after, found, max);
        return found;
    }

    public static int Count(JsonObject snapshot, string section) => snapshot[section]!.AsObject().Count;

    public static string Summary(JsonObject snapshot)
    {
        var swarms = snapshot["swarms"]!.AsObject();
        var agents = swarms.Sum(s => s.Value!["agentDetails"]!.AsArray().Count);
        var tasks = swarms.Sum(s => s.Value!["tasks"]!.AsArray().Count);
        var entries = snapshot["memory"]!.AsObject().Sum(n => n.Value!.AsArray().Count);
        var epochs = swarms.Sum(s => s.Value!["network"]!["epochsTrained"]!.GetValue<int>());
        return $"{swarms.Count} swarms, {agents} agents, {tasks} tasks, {snapshot["memory"]!.AsObject().Count} memory namespaces with {entries} entries, {epochs} training epochs in total";
    }

    private static async Task<JsonObject> SwarmAsync(GatewayClient gateway, string id)
    {
        var status = Require(await gateway.RetryAsync("swarm_status", new { swarmId = id, verbose = true }, CallDeadline));
        var tasks = Require(await gateway.RetryAsync("task_status", new { swarmId = id, detailed = true }, CallDeadline));
        var neural = Require(await gateway.RetryAsync("neural_status", new { swarmId = id }, CallDeadline));
        var output = Require(await gateway.RetryAsync("neural_process", new { swarmId = id, input = FixedInput }, CallDeadline));
        if (tasks.GetProperty("truncated").GetBoolean())
        {
            throw new InvalidOperationException($"swarm {id} has more tasks than one task_status returns");
        }

        var counters = JsonNode.Parse(status.GetProperty("counters").GetRawText())!.AsObject();
        // Reading the network (neural_process, routing) counts runs and touches lastActivity: reads, not state.
        counters.Remove("networkRuns");
        counters.Remove("lastActivity");
        return new JsonObject
        {
            ["swarm"] = Node(status.GetProperty("swarm")),
            ["agents"] = Node(status.GetProperty("agents")),
            ["taskCounts"] = Node(status.GetProperty("tasks")),
            ["counters"] = counters,
            ["agentDetails"] = Node(status.GetProperty("agentDetails")),
            ["tasks"] = new JsonArray(tasks.GetProperty("tasks").EnumerateArray()
                .OrderBy(t => t.GetProperty("id").GetString(), StringComparer.Ordinal).Select(Node).ToArray()),
            ["network"] = Node(neural.GetProperty("network")),
            // The output as the gateway printed it: float → double → shortest round-trip text, so equal text is equal bits.
            ["output"] = Node(output.GetProperty("output")),
        };
    }

    private static JsonElement Require(ToolCall call) =>
        call.Ok ? call.Body : throw new InvalidOperationException("snapshot read failed: " + call.Describe());

    private static JsonNode? Node(JsonElement element) => JsonNode.Parse(element.GetRawText());

    private static void Walk(string path, JsonNode? a, JsonNode? b, List<string> found, int max)
    {
        if (found.Count >= max)
        {
            return;
        }

        switch (a, b)
        {
            case (JsonObject oa, JsonObject ob):
                foreach (var key in oa.Select(p => p.Key).Union(ob.Select(p => p.Key)))
                {
                    if (!oa.ContainsKey(key) || !ob.ContainsKey(key))
                    {
                        found.Add($"{path}.{key}: {(oa.ContainsKey(key) ? "present" : "missing")} → {(ob.ContainsKey(key) ? "present" : "missing")}");
                        continue;
                    }

                    Walk($"{path}.{key}", oa[key], ob[key], found, max);
                }

                break;
            case (JsonArray aa, JsonArray ab):
                if (aa.Count != ab.Count)
                {
                    found.Add($"{path}: {aa.Count} items → {ab.Count} items");
                }

                for (var i = 0; i < Math.Min(aa.Count, ab.Count); i++)
                {
                    Walk($"{path}[{i}]", aa[i], ab[i], found, max);
                }

                break;
            default:
                if (!JsonNode.DeepEquals(a, b))
                {
                    found.Add($"{path}: {Short(a)} → {Short(b)}");
                }

                break;
        }
    }

    private static string Short(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length > 120 ? text[..120] + "…" : text;
    }
}
