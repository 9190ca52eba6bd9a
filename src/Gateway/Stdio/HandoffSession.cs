using ModelContextProtocol.Server;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// A client whose bridge handed us its stdin and stdout: served here exactly like <c>--stdio --private</c> serves
/// its client (the same front and <see cref="FrontSession"/>), so a call costs what an in-process stdio call
/// costs. The bridge waits on the socket: it hears about the client's initialize (so it can carry on elsewhere),
/// then "done" with the exit code when the client's input ended and every request was answered, or "resume" with
/// the unread input when this gateway stops. If the bridge goes away, the session ends the same way.
/// </summary>
internal sealed class HandoffSession(McpServerOptions options, ILoggerFactory loggers, IServiceProvider services)
{
    public async Task RunAsync(Stream control, int inputFd, int outputFd, BridgeProtocol.Message request, CancellationToken stopping)
    {
        using var bridgeGone = new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping, bridgeGone.Token);
        using var input = new FdStream(inputFd, stop.Token);
        using var output = new FdStream(outputFd, CancellationToken.None);
        var notes = new LineWriter(control);
        var watching = WatchBridgeAsync(control, bridgeGone);

        var front = new StdioFront(input, output, request.Unread ?? default)
        {
            Forwarded = message =>
            {
                if (message.IsInitialize || message.Method == "notifications/initialized")
                    TryWrite(notes, BridgeProtocol.Note(message.IsInitialize ? "initialize" : "initialized", message.Line));
            },
        };
        var session = new FrontSession("the SwarmCluster gateway", () => null);
        session.Connect(front, request.Initialize, request.Initialized);
        await using var server = McpServer.Create(session, options, loggers, services);
        var serving = server.RunAsync(CancellationToken.None); // ends when the front finishes, after the last answer

        int exitCode;
        try
        {
            exitCode = await Task.Factory.StartNew(() => front.Run(session),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            session.Finish();
        }
        await serving;

        if (bridgeGone.IsCancellationRequested)
            return;
        TryWrite(notes, stopping.IsCancellationRequested ? BridgeProtocol.Resume(front.Unconsumed) : BridgeProtocol.Done(exitCode));
        await control.FlushAsync(CancellationToken.None);
        bridgeGone.Cancel();
        await watching;
    }

    /// <summary>A bridge sends nothing after the handoff: the socket closing means it is gone (killed by its client).</summary>
    private static async Task WatchBridgeAsync(Stream control, CancellationTokenSource gone)
    {
        var buffer = new byte[256];
        try
        {
            while (await control.ReadAsync(buffer, gone.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        gone.Cancel();
    }

    private static void TryWrite(LineWriter notes, byte[] line)
    {
        try
        {
            notes.WriteLine(line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The bridge is gone; the session ends through WatchBridgeAsync.
        }
    }
}
