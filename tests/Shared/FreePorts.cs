using System.Net;
using System.Net.Sockets;

namespace SwarmCluster.Tests.Shared;

/// <summary>
/// TCP ports for the processes a test starts. Taken below the ephemeral range and never handed out twice in a run: a
/// port the kernel gave back from a bind to port 0 could be taken by any outgoing connection (silos make many) before
/// the process bound it, and it failed at start with "address already in use".
/// </summary>
public static class FreePorts
{
    private const int FirstPort = 20000;
    private const int PortCount = 10000; // up to 29999: below Linux's ephemeral range (32768+) and Orleans' default 30000
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A port free on every address (some tests bind 0.0.0.0), never handed out before in this run.</summary>
    public static int Next()
    {
        lock (HandedOut)
        {
            var start = Random.Shared.Next(PortCount);
            for (var i = 0; i < PortCount; i++)
            {
                var port = FirstPort + (start + i) % PortCount;
                if (!HandedOut.Add(port))
                    continue;
                try
                {
                    var listener = new TcpListener(IPAddress.Any, port);
                    listener.Start();
                    listener.Stop();
                    return port;
                }
                catch (SocketException)
                {
                    // in use by someone else: try the next one
                }
            }
        }
        throw new InvalidOperationException($"no free port between {FirstPort} and {FirstPort + PortCount - 1}");
    }
}
