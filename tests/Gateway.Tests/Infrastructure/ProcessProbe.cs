using System.Globalization;

namespace SwarmCluster.Gateway.Tests.Infrastructure;

/// <summary>What the kernel says about a running process (Linux /proc): memory and listening TCP ports.</summary>
public static class ProcessProbe
{
    /// <summary>Resident set size in bytes (VmRSS), or its peak so far (VmHWM).</summary>
    public static long ResidentBytes(int pid, bool peak = false)
    {
        var field = peak ? "VmHWM:" : "VmRSS:";
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException($"{field} not found for process {pid}");
    }

    /// <summary>TCP ports the process listens on: its socket inodes matched against /proc/net/tcp and tcp6.</summary>
    public static SortedSet<int> ListeningPorts(int pid)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                    inodes.Add(target["socket:[".Length..^1]);
            }
            catch (IOException)
            {
                // The descriptor closed while we looked.
            }
        }

        var ports = new SortedSet<int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length > 9 && columns[3] == "0A" && inodes.Contains(columns[9]))
                    ports.Add(int.Parse(columns[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }
        return ports;
    }

    /// <summary>Samples VmRSS every few milliseconds until disposed; <see cref="PeakBytes"/> is the highest seen.</summary>
    public sealed class RssSampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _peak;

        public RssSampler(int pid, TimeSpan period)
        {
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        var rss = ResidentBytes(pid);
                        if (rss > Interlocked.Read(ref _peak))
                            Interlocked.Exchange(ref _peak, rss);
                        await Task.Delay(period, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    catch (IOException)
                    {
                        break; // the process is gone
                    }
                }
            });
        }

        public long PeakBytes => Interlocked.Read(ref _peak);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }
    }
}
