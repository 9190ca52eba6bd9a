using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// The gateway's end of <c>--stdio</c> bridges: a local socket (Unix domain socket, owner-only by the data
/// directory's permissions) on which every connection is one MCP session, served by the same tools as /mcp. A bridge
/// relays its client's lines as they are, so a stdio call costs one local hop, not an HTTP request. Listens only in
/// the process that owns the data directory (the embedded silo); the socket's path goes into silo.json.
/// </summary>
internal sealed class BridgeListener(
    IOptions<McpServerOptions> mcpOptions, ILoggerFactory loggers, IServiceProvider services, McpActivity activity, ILogger<BridgeListener> logger)
    : BackgroundService
{
    /// <summary>First line of every session, before any MCP message: the bridge knows its session was accepted.</summary>
    public const string Hello = "{\"swarmcluster\":\"bridge\",\"version\":1}";

    private readonly object _gate = new();
    private Socket? _socket;
    private int _sessions;
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
            if (_sessions > 0)
                return false;
            Close();
            return true;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
            Close();
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
            _ = ServeAsync(connection, stoppingToken);
        }
    }

    private async Task ServeAsync(Socket connection, CancellationToken stoppingToken)
    {
        lock (_gate)
        {
            if (_closed)
            {
                connection.Dispose(); // stopping: the bridge sees no hello and looks again
                return;
            }
            _sessions++;
            activity.Begin();
        }

        try
        {
            await using var stream = new NetworkStream(connection, ownsSocket: true);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(Hello + "\n"), stoppingToken);
            var transport = new StreamServerTransport(stream, stream, GatewayHost.ServerName, loggers);
            await using var server = McpServer.Create(transport, mcpOptions.Value, loggers, services);
            await server.RunAsync(stoppingToken);
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
            lock (_gate)
            {
                _sessions--;
                activity.End();
            }
        }
    }

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
