using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using SwarmCluster.Tests.Shared;

namespace SwarmCluster.Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway as a separate process (dotnet SwarmCluster.Gateway.dll --urls ... --data-dir ...), on free
/// loopback ports, with its output kept for failure messages.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process, int port, string dataDirectory)
    {
        _process = process;
        Port = port;
        DataDirectory = dataDirectory;
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public string DataDirectory { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public string McpUrl => BaseUrl + "/mcp";

    public TimeSpan StartupTime { get; private set; }

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>Starts the gateway and waits until /healthz answers 200.</summary>
    /// <param name="environment">Variables set after the defaults (a null value removes one).</param>
    public static async Task<GatewayProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string?>? environment = null, int? port = null)
    {
        if (!File.Exists(TestPaths.GatewayDll))
            throw new InvalidOperationException($"gateway not built: {TestPaths.GatewayDll} is missing (dotnet build src/Gateway -c {TestPaths.Configuration})");

        port ??= FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { TestPaths.GatewayDll, "--urls", $"http://127.0.0.1:{port}", "--data-dir", dataDirectory })
            info.ArgumentList.Add(arg);
        ConfigureEnvironment(info);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                info.Environment.Remove(name);
            else
                info.Environment[name] = value;
        }

        var watch = Stopwatch.StartNew();
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var gateway = new GatewayProcess(process, port.Value, dataDirectory);
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (watch.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                // HasExited comes before the last output lines are delivered; WaitForExit() waits for them.
                process.WaitForExit();
                throw new InvalidOperationException($"gateway exited with {process.ExitCode} during start:\n{gateway.Tail()}");
            }
            try
            {
                using var response = await http.GetAsync(gateway.BaseUrl + "/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    gateway.StartupTime = watch.Elapsed;
                    return gateway;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }

        await gateway.DisposeAsync();
        throw new TimeoutException($"gateway did not become healthy within {StartTimeout.TotalSeconds} s:\n{gateway.Tail()}");
    }

    /// <summary>Free loopback ports for the silo; no Orleans client gateway port (nothing external connects).</summary>
    public static void ConfigureEnvironment(ProcessStartInfo info)
    {
        info.Environment["SwarmCluster__SiloPort"] = FreePort().ToString();
        info.Environment["SwarmCluster__GatewayPort"] = "0";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("SWARM_DATA_DIR");
    }

    /// <summary>SIGTERM (a normal shutdown), then waits; returns the exit code, or kills it after the timeout.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            if (OperatingSystem.IsWindows())
                _process.Kill();
            else
                _ = Kill(_process.Id, 15);
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
                throw new TimeoutException($"gateway ignored SIGTERM for {timeout.TotalSeconds} s:\n{Tail()}");
            }
        }
        return _process.ExitCode;
    }

    /// <summary>kill -9: no shutdown, no flush, nothing written after this instant.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public string Tail(int lines = 60)
    {
        var all = Output.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await StopAsync(TimeSpan.FromSeconds(15));
            }
            catch (TimeoutException)
            {
            }
        }
        _process.Dispose();
    }

    /// <summary>A port for a gateway to listen on: see <see cref="FreePorts"/>.</summary>
    public static int FreePort() => FreePorts.Next();

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            // Keep the tail only: a long run logs a lot.
            if (_output.Length > 1_000_000)
                _output.Remove(0, 500_000);
            _output.AppendLine(line);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
