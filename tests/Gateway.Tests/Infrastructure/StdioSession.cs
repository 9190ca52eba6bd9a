using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Tests.Infrastructure;

/// <summary>
/// A <c>dotnet SwarmCluster.Gateway.dll --stdio …</c> process driven with raw JSON-RPC lines, the way any stdio MCP
/// client talks to it: answers are matched by id; lines without an id are kept in order.
/// </summary>
public sealed class StdioSession : IAsyncDisposable
{
    /// <summary>Idle limit for background gateways the tests start: long enough for a test, short enough not to linger.</summary>
    public const string TestIdleSeconds = "60";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
    private readonly Process _process;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _answers = new();
    private readonly ConcurrentQueue<JsonElement> _unmatched = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _reading;
    private readonly SemaphoreSlim _write = new(1, 1);

    private StdioSession(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (_stderr)
                    _stderr.AppendLine(e.Data);
        };
        _process.BeginErrorReadLine();
        _reading = Task.Run(ReadAsync);
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stderr
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    /// <summary>Every stdout line that had no id of a request of ours (errors with id null, notifications).</summary>
    public IReadOnlyCollection<JsonElement> Unmatched => _unmatched.ToArray();

    /// <summary>Starts the process with free silo ports and a short idle limit for any gateway it starts.</summary>
    public static StdioSession Start(params string[] args) => Start(args, null);

    public static StdioSession Start(IEnumerable<string> args, IDictionary<string, string>? environment)
    {
        var info = StartInfo(args, environment);
        return new StdioSession(Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet"));
    }

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(), // started from anywhere, like Claude Desktop does
        };
        info.ArgumentList.Add(TestPaths.GatewayDll);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        GatewayProcess.ConfigureEnvironment(info);
        info.Environment["SwarmCluster__IdleShutdownSeconds"] = TestIdleSeconds;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        return info;
    }

    public async Task WriteLineAsync(string line)
    {
        await _write.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>Sends a request without waiting; <see cref="AnswerAsync"/> collects its answer.</summary>
    public Task SendAsync(object id, string method, object? parameters = null) =>
        WriteLineAsync(JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method, @params = parameters }, Json));

    public async Task<JsonElement> AnswerAsync(object id, TimeSpan? timeout = null)
    {
        var answer = Expect(Key(id));
        Assert.False(answer.Task.IsCompleted, $"id {id} was already used in this session");
        try
        {
            return await answer.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(150));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no answer to request {id} from pid {Pid} (exited: {_process.HasExited}); stderr:\n{Stderr}");
        }
    }

    public async Task<JsonElement> RequestAsync(object id, string method, object? parameters = null)
    {
        var answer = AnswerAsync(id);
        await SendAsync(id, method, parameters);
        return await answer;
    }

    public Task<JsonElement> InitializeAsync(string client = "stdio-test") => RequestAsync("init", "initialize", new
    {
        protocolVersion = "2025-06-18",
        capabilities = new { },
        clientInfo = new { name = client, version = "1" },
    });

    /// <summary>A tool call that must succeed; returns its structured content.</summary>
    public async Task<JsonElement> ToolAsync(object id, string name, object arguments) =>
        Success(id, await RequestAsync(id, "tools/call", new { name, arguments }));

    public static JsonElement Success(object id, JsonElement answer)
    {
        Assert.True(answer.TryGetProperty("result", out var result), $"{id}: {answer}");
        Assert.False(result.TryGetProperty("isError", out var isError) && isError.GetBoolean(), $"{id}: {answer}");
        return result.GetProperty("structuredContent");
    }

    /// <summary>Ends stdin (what a client does when it is done) and waits for the exit code.</summary>
    public async Task<int> CloseInputAsync(TimeSpan? timeout = null)
    {
        _process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cts.Token);
        await _reading;
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // Not the tree: a background gateway this bridge started is stopped by the test, through its pid.
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private TaskCompletionSource<JsonElement> Expect(string key) =>
        _answers.GetOrAdd(key, _ => new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            JsonElement message;
            try
            {
                message = JsonDocument.Parse(line).RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new Xunit.Sdk.XunitException($"non-JSON line on stdout: {line}");
            }
            if (message.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                Expect(Key(id)).TrySetResult(message);
            else
                _unmatched.Enqueue(message);
        }
    }

    private static string Key(object id) => id switch
    {
        JsonElement { ValueKind: JsonValueKind.String } e => "s:" + e.GetString(),
        JsonElement e => "n:" + e.GetRawText(),
        string s => "s:" + s,
        _ => "n:" + Convert.ToString(id, System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Which processes host a silo on a data directory, and stopping the background gateway tests start.</summary>
public static class DataDirectoryProcesses
{
    /// <summary>Gateway processes (not --stdio bridges) given this data directory on their command line.</summary>
    public static IReadOnlyList<int> Silos(string dataDirectory)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            string[] args;
            try
            {
                args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (args.Contains(TestPaths.GatewayDll) && args.Contains(dataDirectory) && !args.Contains("--stdio"))
                found.Add(pid);
        }
        return found;
    }

    public static DataDirectoryOwner? Owner(string dataDirectory) => DataDirectoryLock.ReadOwner(dataDirectory);

    /// <summary>The directory's owner once it is alive and ready (its silo up); fails after 60 s.</summary>
    public static async Task<DataDirectoryOwner> ReadyOwnerAsync(string dataDirectory)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(60); await Task.Delay(50))
        {
            if (Owner(dataDirectory) is { IsAlive: true, State: DataDirectoryOwner.Ready } owner)
                return owner;
        }
        throw new TimeoutException($"no ready owner of {dataDirectory} after 60 s (last: {Owner(dataDirectory)})");
    }

    /// <summary>A test's teardown: stops what runs on the directory, then deletes it (best effort).</summary>
    public static async Task StopAndDeleteAsync(string dataDirectory)
    {
        await StopAsync(dataDirectory);
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>SIGTERM to every silo process on the directory, SIGKILL after 20 s: nothing a test started outlives it.</summary>
    public static async Task StopAsync(string dataDirectory)
    {
        foreach (var pid in Silos(dataDirectory))
        {
            using var process = TryGet(pid);
            if (process is null)
                continue;
            _ = Kill(pid, 15);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                while (!process.HasExited)
                    await Task.Delay(100, cts.Token);
            }
            catch (OperationCanceledException)
            {
                _ = Kill(pid, 9);
            }
        }
    }

    /// <summary>kill(2): 15 asks a gateway to stop, 9 kills it.</summary>
    public static int Signal(int pid, int signal) => Kill(pid, signal);

    /// <summary>Waits until the process is gone (it is not our child: no exit code to wait on).</summary>
    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            using var process = TryGet(pid);
            if (process is null || process.HasExited)
                return true;
            await Task.Delay(200);
        }
        return false;
    }

    private static Process? TryGet(int pid)
    {
        try
        {
            return Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
