using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace SwarmCluster.Silo.Tests.Cluster;

internal enum NodeRole
{
    Worker,
    Gateway,
}

/// <summary>
/// One built executable (worker silo or MCP gateway) run as a child process, exactly as production runs it:
/// `dotnet SwarmCluster.X.dll --urls ...` with its whole configuration in SwarmCluster__* variables.
/// </summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private const int TailCapacity = 400;
    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly StreamWriter? _logFile;
    private Stopwatch _started = new();

    static NodeProcess()
    {
        // Last line of defence: a crashing or aborted test run must not leave silos running.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllLive();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAllLive();
    }

    private NodeProcess(string name, NodeRole role, int httpPort, int siloPort, int gatewayPort, Process process, StreamWriter? logFile)
    {
        Name = name;
        Role = role;
        HttpPort = httpPort;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        _process = process;
        _logFile = logFile;
    }

    public string Name { get; }

    public NodeRole Role { get; }

    public int HttpPort { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int Pid => _process.Id;

    public string BaseUrl => $"http://127.0.0.1:{HttpPort}";

    /// <summary>Process start → first 200 from /healthz (set by <see cref="WaitHealthyAsync"/>).</summary>
    public TimeSpan StartupTime { get; private set; }

    public bool HasExited => _process.HasExited;

    public static NodeProcess Launch(string name, NodeRole role, IReadOnlyDictionary<string, string> settings, string? logDirectory)
    {
        var dll = BuiltExecutables.Path(role);
        var httpPort = TestEnvironment.FreePort();
        var siloPort = TestEnvironment.FreePort();
        var gatewayPort = TestEnvironment.FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The gateway reads appsettings.json from the working directory (content root): run where it was built,
            // as the container images do (WORKDIR /app).
            WorkingDirectory = System.IO.Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{httpPort}");

        // Only what the cluster states: nothing inherited from the developer's shell.
        foreach (var key in info.Environment.Keys.Where(k =>
                     k.StartsWith("SwarmCluster__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Orleans__", StringComparison.OrdinalIgnoreCase)
                     || k is "SWARM_DATA_DIR" or "ASPNETCORE_URLS" or "DOTNET_URLS" or "KUBERNETES_SERVICE_HOST").ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }

        info.Environment["SwarmCluster__SiloPort"] = siloPort.ToString();
        info.Environment["SwarmCluster__GatewayPort"] = gatewayPort.ToString();
        info.Environment["SwarmCluster__AdvertisedIPAddress"] = "127.0.0.1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (role == NodeRole.Gateway)
        {
            info.Environment["SwarmCluster__Role"] = "Gateway";
        }

        StreamWriter? logFile = null;
        if (logDirectory is not null)
        {
            Directory.CreateDirectory(logDirectory);
            logFile = new StreamWriter(System.IO.Path.Combine(logDirectory, name + ".log"), append: true) { AutoFlush = true };
        }

        var process = new Process { StartInfo = info };
        var node = new NodeProcess(name, role, httpPort, siloPort, gatewayPort, process, logFile);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        node._started = Stopwatch.StartNew();
        process.Start();
        Live[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Polls GET /healthz until it answers 200 and <paramref name="ready"/> accepts the body.</summary>
    public async Task<JsonElement> WaitHealthyAsync(TimeSpan timeout, Func<JsonElement, bool>? ready = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        string last = "no answer yet";
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} while starting:\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(BaseUrl + "/healthz");
                var body = await response.Content.ReadAsStringAsync();
                last = $"{(int)response.StatusCode} {body}";
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var json = JsonDocument.Parse(body).RootElement.Clone();
                    if (StartupTime == TimeSpan.Zero)
                    {
                        StartupTime = _started.Elapsed;
                    }

                    if (ready is null || ready(json))
                    {
                        return json;
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                last = ex.GetType().Name + ": " + ex.Message;
            }

            await Task.Delay(150);
        }

        throw new TimeoutException($"{Name} not ready within {timeout.TotalSeconds:0} s (last /healthz: {last}):\n{Tail()}");
    }

    /// <summary>SIGKILL: no shutdown, no membership update, no flush — a crashed node.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }
    }

    /// <summary>SIGTERM (what Kubernetes sends), then waits; SIGKILL after <paramref name="timeout"/>.</summary>
    public async Task<(int ExitCode, TimeSpan Took)> StopAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        if (!_process.HasExited)
        {
            if (SendSignal(_process.Id, 15) != 0)
            {
                _process.Kill();
            }

            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
                throw new TimeoutException($"{Name} ignored SIGTERM for {timeout.TotalSeconds:0} s:\n{Tail()}");
            }
        }

        await _process.WaitForExitAsync(); // drains the output readers
        return (_process.ExitCode, clock.Elapsed);
    }

    /// <summary>Resident set size from /proc (Linux), or null.</summary>
    public long? RssBytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
        }

        return null;
    }

    public string Tail(int lines = 60)
    {
        lock (_tail)
        {
            return $"--- {Name} (pid {_process.Id}) last lines ---\n" + string.Join('\n', _tail.Skip(Math.Max(0, _tail.Count - lines)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
        }

        Live.TryRemove(_process.Id, out _);
        _process.Dispose();
        lock (_tail)
        {
            _logFile?.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > TailCapacity)
            {
                _tail.Dequeue();
            }

            try
            {
                _logFile?.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static void KillAllLive()
    {
        foreach (var process in Live.Values)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}

/// <summary>Where the built worker and gateway live: same configuration as this test assembly.</summary>
internal static class BuiltExecutables
{
    public static string Path(NodeRole role)
    {
        // tests/Silo.Tests/bin/<Configuration>/<tfm> → src/<Project>/bin/<Configuration>/<tfm>
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(System.IO.Path.Combine(root.FullName, "SwarmCluster.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException($"repository root (SwarmCluster.sln) not found above {testBin.FullName}");
        }

        var (project, dll) = role == NodeRole.Worker ? ("Silo", "SwarmCluster.Silo.dll") : ("Gateway", "SwarmCluster.Gateway.dll");
        var path = System.IO.Path.Combine(root.FullName, "src", project, "bin", configuration, testBin.Name, dll);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is not built: run `dotnet build src/{project} -c {configuration}` (or build SwarmCluster.sln)");
    }
}
