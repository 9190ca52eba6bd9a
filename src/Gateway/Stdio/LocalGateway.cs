using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// Finds the gateway that owns a data directory (silo.json: live pid, ready, bridge socket) and opens a session on
/// its socket; when nobody owns the directory it starts the embedded gateway as a detached background process
/// (logging to gateway.log there, stopping after the idle limit) and waits for it. start.lock makes bridges that
/// start at once take turns, so the first starts the one server and the others find it.
/// </summary>
internal sealed class LocalGateway(BridgeOptions options)
{
    public const string StartLockFileName = "start.lock";
    public const string LogFileName = "gateway.log";

    /// <summary>Idle limit given to a background gateway unless SwarmCluster__IdleShutdownSeconds says otherwise.</summary>
    public const int DefaultIdleShutdownSeconds = 600;

    private const string IdleVariable = "SwarmCluster__IdleShutdownSeconds";

    /// <summary>How long a bridge waits for a gateway to become ready (a cold start takes a few seconds).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private string Directory => options.DataDirectory;

    /// <summary>Whether a live gateway serves the directory and is ready for bridges (silo.json).</summary>
    public static bool IsReady(string dataDirectory) => DataDirectoryLock.ReadOwner(dataDirectory) is { IsAlive: true, State: DataDirectoryOwner.Ready };

    public async Task<PeerConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var owner = await EnsureServerAsync(clock, cancellationToken).ConfigureAwait(false);
            try
            {
                return await OpenSessionAsync(owner, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException)
            {
                // Stopping, or gone since silo.json was written: look again.
                if (clock.Elapsed > StartTimeout)
                    throw new PeerUnavailableException($"Could not open a session on the SwarmCluster gateway (pid {owner.Pid}) at {owner.Bridge}: {e.Message}", e);
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<DataDirectoryOwner> EnsureServerAsync(Stopwatch clock, CancellationToken cancellationToken)
    {
        while (true)
        {
            var owner = DataDirectoryLock.ReadOwner(Directory);
            if (owner is { IsAlive: true, State: DataDirectoryOwner.Ready })
                return Usable(owner);
            if (owner is not { IsAlive: true })
            {
                using var startLock = TryTakeStartLock();
                if (startLock is not null && DataDirectoryLock.ReadOwner(Directory) is not { IsAlive: true })
                {
                    var started = await StartServerAsync(clock, cancellationToken).ConfigureAwait(false);
                    if (started is not null)
                        return Usable(started);
                }
            }
            if (clock.Elapsed > StartTimeout)
                throw new PeerUnavailableException(
                    $"No SwarmCluster gateway became ready for {Directory} within {StartTimeout.TotalSeconds:0} s " +
                    $"(owner: {Describe(DataDirectoryLock.ReadOwner(Directory))}); see {Path.Combine(Directory, LogFileName)}");
            await Task.Delay(50, cancellationToken).ConfigureAwait(false); // someone else is starting or stopping it
        }
    }

    private DataDirectoryOwner Usable(DataDirectoryOwner owner) => owner.Bridge is not null ? owner : throw new PeerUnavailableException(
        $"The data directory {Directory} is used by process {owner.Pid}, " +
        (owner.Url is null ? "a private --stdio silo that takes no bridges" : $"a gateway at {owner.Url} without a bridge socket") +
        ". Stop it, connect to its URL with --connect, or use another --data-dir.");

    /// <summary>Starts the background gateway; returns the ready owner, or null when another process took the directory.</summary>
    private async Task<DataDirectoryOwner?> StartServerAsync(Stopwatch clock, CancellationToken cancellationToken)
    {
        using var child = Spawn();
        Console.Error.WriteLine($"swarmcluster: no gateway served {Directory}; started one in the background " +
            $"(pid {child.Id}, log {Path.Combine(Directory, LogFileName)})");
        while (true)
        {
            var owner = DataDirectoryLock.ReadOwner(Directory);
            if (owner is { IsAlive: true, State: DataDirectoryOwner.Ready })
                return owner;
            // Exit code 0 is setsid handing over to the detached process; anything else is a failed start.
            if (child.HasExited && child.ExitCode != 0)
            {
                if (owner is { IsAlive: true })
                    return null; // it lost the directory to a gateway started some other way: wait for that one
                throw new PeerUnavailableException(
                    $"The SwarmCluster gateway started for {Directory} exited with code {child.ExitCode} before it was ready. " +
                    $"Last lines of {Path.Combine(Directory, LogFileName)}:\n{LogTail()}");
            }
            if (clock.Elapsed > StartTimeout)
                return null;
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private Process Spawn()
    {
        var host = Environment.ProcessPath ?? throw new PeerUnavailableException("cannot tell which executable runs this bridge");
        var viaDotnet = Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        // setsid: its own session, so closing the client's terminal or process group does not take the server down.
        var setsid = OperatingSystem.IsWindows() ? null : new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);
        var info = new ProcessStartInfo(setsid ?? host)
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            // Never the client's stdio: its pipes must close when the bridge exits. The server logs to its file.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory,
        };
        if (setsid is not null)
            info.ArgumentList.Add(host);
        if (viaDotnet)
            info.ArgumentList.Add(typeof(LocalGateway).Assembly.Location);
        foreach (var argument in (string[])[BackgroundLog.Switch, "--data-dir", Directory])
            info.ArgumentList.Add(argument);
        if (ListenUrl() is { } url)
        {
            info.ArgumentList.Add("--urls");
            info.ArgumentList.Add(url);
        }
        foreach (var argument in options.ServerArguments)
            info.ArgumentList.Add(argument);
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(IdleVariable)))
            info.Environment[IdleVariable] = DefaultIdleShutdownSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";

        var process = Process.Start(info) ?? throw new PeerUnavailableException($"could not start {info.FileName}");
        process.StandardInput.Close();
        return process;
    }

    /// <summary>--urls given to the bridge; else ASPNETCORE_URLS (inherited); else 8765 when free, otherwise any free port.</summary>
    private string? ListenUrl()
    {
        if (options.ListenUrls is { } urls)
            return urls;
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")))
            return null;
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, new Uri(GatewayHost.DefaultUrl).Port);
            probe.Start();
            return GatewayHost.DefaultUrl;
        }
        catch (SocketException)
        {
            return "http://127.0.0.1:0";
        }
    }

    private FileStream? TryTakeStartLock()
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            return new FileStream(Path.Combine(Directory, StartLockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null; // another bridge is starting the server
        }
    }

    private static async Task<PeerConnection> OpenSessionAsync(DataDirectoryOwner owner, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(owner.Bridge!), cancellationToken).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: true);
            // The hello is read asynchronously (with a timeout); the session's lines then block on a thread.
            var reader = new LineReader(stream);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            ReadOnlyMemory<byte>? hello;
            try
            {
                hello = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("the gateway accepted the connection but did not greet within 30 s");
            }
            if (hello is not { } line || BridgeProtocol.ParseHello(line.Span) is not { } handoff)
                throw new IOException("the gateway closed the connection without accepting the session (it is stopping)");
            return new PeerConnection(stream, reader, stream, $"the SwarmCluster gateway (pid {owner.Pid})") { Socket = socket, Handoff = handoff };
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Asks an opened session to relay MCP lines (the gateway acknowledges before the first one).</summary>
    public static PeerConnection Relay(PeerConnection connection)
    {
        try
        {
            connection.Write.WriteLine(BridgeProtocol.Relay());
            if (connection.Read.ReadLine() is not { } ack || BridgeProtocol.Parse(ack.Span) is null)
                throw new IOException("the gateway closed the connection before the session began");
            return connection;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            connection.Owner.Dispose();
            throw new PeerUnavailableException($"Could not open a session on {connection.Description}: {e.Message}", e);
        }
    }

    private string LogTail()
    {
        try
        {
            var lines = File.ReadLines(Path.Combine(Directory, LogFileName)).TakeLast(15);
            return string.Join('\n', lines);
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static string Describe(DataDirectoryOwner? owner) => owner is null
        ? "none"
        : $"pid {owner.Pid}, {owner.State}, {(owner.IsAlive ? "running" : "not running")}";
}
