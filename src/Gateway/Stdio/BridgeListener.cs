using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using SwarmCluster.Gateway.Security;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// The gateway's end of <c>--stdio</c> bridges: a local socket (Unix domain socket, owner-only by the data
/// directory's permissions). On Linux a bridge hands over its stdin and stdout, and this process serves the client
/// on them directly, like an in-process stdio server (<see cref="HandoffSession"/>); elsewhere every connection is
/// one MCP session whose lines the bridge relays. Listens only in the process that owns the data directory (the
/// embedded silo); the socket's path goes into silo.json.
/// </summary>
internal sealed class BridgeListener(
    IOptions<McpServerOptions> mcpOptions, ILoggerFactory loggers, IServiceProvider services, McpActivity activity, ILogger<BridgeListener> logger)
    : BackgroundService
{
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<Task> _sessions = [];
    private Socket? _socket;
    private bool _closed;

    /// <summary>Where bridges connect (null when this process does not own a data directory).</summary>
    public string? Path { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<DataDirectoryLock>() is { } owned)
        {
            Path = SocketPath(owned.DataDirectory);
            // We own the directory: a socket file left there is from a dead owner.
            File.Delete(Path);
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(Path));
            // Its sessions are the local admin (LocalSessions): only this user may connect (connect needs write access).
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            socket.Listen(64);
            _socket = socket;
            logger.LogInformation("Bridges connect to {Path}", Path);
        }
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Stops accepting when no bridge is connected (for the idle stop); false while one is.</summary>
    public bool TryClose()
    {
        lock (_gate)
        {
            if (_sessions.Count > 0)
                return false;
            Close();
            return true;
        }
    }

    /// <summary>
    /// Before the silo stops (registered after it, so stopped before it): clients handed over to us finish their
    /// requests in flight and go back to their bridges, which carry on with the next gateway.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        Task[] sessions;
        lock (_gate)
        {
            Close();
            sessions = [.. _sessions];
        }
        _stopping.Cancel();
        try
        {
            await Task.WhenAll(sessions).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_socket is not { } listener)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(stoppingToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return; // closed: idle stop or shutdown
            }
            Admit(connection);
        }
    }

    private void Admit(Socket connection)
    {
        // The mode bits close the window after bind; on Linux the kernel also names the peer's user, checked here.
        if (UnixFds.Supported && UnixFds.PeerUid(connection) is { } uid && uid != UnixFds.OwnUid)
        {
            logger.LogWarning("Refused a bridge connection from user {Uid}: the socket serves its owner only", uid);
            connection.Dispose();
            return;
        }
        lock (_gate)
        {
            if (_closed)
            {
                connection.Dispose(); // stopping: the bridge sees no hello and looks again
                return;
            }
            activity.Begin();
            var session = Task.Run(() => ServeAsync(connection));
            _sessions.Add(session);
            _ = session.ContinueWith(done =>
            {
                lock (_gate)
                {
                    _sessions.Remove(done);
                    activity.End();
                }
            }, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        LocalSessions.Enter(); // admitted through the owner-only socket: this session is the local admin
        var stopping = _stopping.Token;
        var fds = new List<int>();
        try
        {
            await using var stream = new NetworkStream(connection, ownsSocket: true);
            var handoff = UnixFds.Supported;
            await stream.WriteAsync(Line(BridgeProtocol.Hello(handoff)), stopping);
            var mode = BridgeProtocol.Parse(await Task.Run(() => ReceiveModeLine(connection, handoff, fds), stopping));
            if (mode?.Mode == "handoff" && fds.Count == 2)
            {
                var session = new HandoffSession(mcpOptions.Value, loggers, services);
                (int input, int output) = (fds[0], fds[1]);
                fds.Clear(); // the session owns them now
                await session.RunAsync(stream, input, output, mode, stopping);
                return;
            }
            if (mode?.Mode != "relay")
                return; // not a bridge of ours

            await stream.WriteAsync(Line(BridgeProtocol.Ack()), stopping);
            var transport = new StreamServerTransport(stream, stream, GatewayHost.ServerName, loggers);
            await using var server = McpServer.Create(transport, mcpOptions.Value, loggers, services);
            await server.RunAsync(stopping);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The bridge went away or we are stopping.
        }
        catch (Exception e)
        {
            logger.LogError(e, "A bridge session failed");
        }
        finally
        {
            foreach (var fd in fds)
                UnixFds.Close(fd);
        }
    }

    /// <summary>The bridge's first line, and on Linux the descriptors sent with it; the bridge sends nothing more until answered.</summary>
    private static byte[] ReceiveModeLine(Socket connection, bool withDescriptors, List<int> fds)
    {
        var buffer = new byte[64 * 1024];
        var line = new List<byte>();
        var deadline = Environment.TickCount64 + 30_000;
        while (Environment.TickCount64 < deadline)
        {
            if (!connection.Poll(TimeSpan.FromMilliseconds(500), SelectMode.SelectRead))
                continue;
            var read = withDescriptors ? UnixFds.Receive(connection, buffer, fds) : connection.Receive(buffer);
            if (read == 0)
                break;
            var newline = Array.IndexOf(buffer, (byte)'\n', 0, read);
            line.AddRange(buffer.AsSpan(0, newline < 0 ? read : newline));
            if (newline >= 0)
                return [.. line];
        }
        return [];
    }

    private static byte[] Line(byte[] json) => [.. json, (byte)'\n'];

    private void Close()
    {
        if (_closed)
            return;
        _closed = true;
        _socket?.Dispose();
        if (Path is not null)
        {
            try
            {
                File.Delete(Path);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>bridge.sock in the data directory, or under the temp directory when that path is too long for a socket.</summary>
    public static string SocketPath(string dataDirectory)
    {
        var inDirectory = System.IO.Path.Combine(dataDirectory, "bridge.sock");
        // sun_path holds 108 bytes on Linux, 104 on macOS.
        if (Encoding.UTF8.GetByteCount(inDirectory) < 100)
            return inDirectory;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..16];
        return System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"swarmcluster-{hash}.sock");
    }
}
