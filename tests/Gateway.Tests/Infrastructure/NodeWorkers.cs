using System.Diagnostics;
using System.Text.Json;

namespace SwarmCluster.Gateway.Tests.Infrastructure;

/// <summary>One event a worker printed (client/worker.mjs).</summary>
public sealed record WorkerEvent(string Worker, string Kind, string? TaskId, DateTimeOffset At, JsonElement Detail);

/// <summary>Runs client/worker.mjs processes: independent MCP clients doing claim → progress → complete.</summary>
public static class NodeWorkers
{
    public static async Task<IReadOnlyList<WorkerEvent>> RunAsync(IEnumerable<object> specs, TimeSpan timeout)
    {
        McpNodeClient.EnsureInstalled();
        var runs = specs.Select(spec => RunOneAsync(spec, timeout)).ToList();
        return (await Task.WhenAll(runs)).SelectMany(e => e).OrderBy(e => e.At).ToList();
    }

    private static async Task<IReadOnlyList<WorkerEvent>> RunOneAsync(object spec, TimeSpan timeout)
    {
        var file = Path.Combine(Path.GetTempPath(), $"worker-{Guid.NewGuid():n}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(spec, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        try
        {
            var info = new ProcessStartInfo("node")
            {
                WorkingDirectory = TestPaths.ClientDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add("worker.mjs");
            info.ArgumentList.Add(file);
            using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"worker did not finish in {timeout.TotalSeconds} s; stderr:\n{await stderr}\nstdout:\n{await stdout}");
            }

            var output = await stdout;
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"worker failed ({process.ExitCode}):\n{await stderr}\n{output}");
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
            {
                var e = JsonDocument.Parse(line).RootElement;
                return new WorkerEvent(e.GetProperty("worker").GetString()!, e.GetProperty("kind").GetString()!,
                    e.TryGetProperty("taskId", out var t) ? t.GetString() : null, e.GetProperty("at").GetDateTimeOffset(),
                    e.TryGetProperty("detail", out var d) ? d.Clone() : default);
            }).ToList();
        }
        finally
        {
            File.Delete(file);
        }
    }
}
