using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SwarmCluster.Hosting;

/// <summary>
/// One embedded silo per data directory. <c>silo.lock</c> is held open exclusively for the silo's life (an
/// advisory kernel lock on Unix, a share-mode lock on Windows): the kernel drops it when the process ends, kill -9
/// included, so a dead owner's lock is taken over at once and a live one can never be. The owner describes itself
/// in <c>silo.json</c> (pid, process start, state, MCP URL, bridge socket), replaced atomically, which is how
/// <c>--stdio</c> bridges find the gateway serving a directory.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string LockFileName = "silo.lock";
    public const string OwnerFileName = "silo.json";

    private readonly FileStream _lock;
    private readonly object _gate = new();
    private DataDirectoryOwner _owner;
    private bool _disposed;

    private DataDirectoryLock(string dataDirectory, FileStream held, DataDirectoryOwner owner)
    {
        DataDirectory = dataDirectory;
        _lock = held;
        _owner = owner;
    }

    /// <summary>Absolute path of the locked directory.</summary>
    public string DataDirectory { get; }

    public DataDirectoryOwner Owner
    {
        get
        {
            lock (_gate)
                return _owner;
        }
    }

    /// <summary>Takes the directory for this process or throws <see cref="DataDirectoryLockedException"/> naming the owner.</summary>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        var directory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, LockFileName);
        FileStream held;
        try
        {
            held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new DataDirectoryLockedException(directory, WaitForOwnerDescription(directory));
        }

        var owner = new DataDirectoryOwner(Environment.ProcessId, CurrentProcessStart(), DataDirectoryOwner.Starting, null, null, true);
        var result = new DataDirectoryLock(directory, held, owner);
        try
        {
            result.Write(owner);
        }
        catch
        {
            held.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Records what this owner serves (state <see cref="DataDirectoryOwner.Ready"/> once it answers).</summary>
    public void Publish(string state, string? url, string? bridge)
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _owner = _owner with { State = state, Url = url, Bridge = bridge };
            Write(_owner);
        }
    }

    /// <summary>Marks the directory stopped, then lets go of it.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _owner = _owner with { State = DataDirectoryOwner.Stopped, Url = null, Bridge = null };
            try
            {
                Write(_owner);
            }
            catch (IOException)
            {
                // The kernel lock is what counts; a stale "ready" is caught by the pid check.
            }
            _disposed = true;
            _lock.Dispose();
        }
    }

    /// <summary>
    /// The recorded owner of a directory, with <see cref="DataDirectoryOwner.IsAlive"/> checked now (pid and process
    /// start time, so a reused pid is not mistaken for the owner); null when nothing was ever recorded.
    /// </summary>
    public static DataDirectoryOwner? ReadOwner(string dataDirectory)
    {
        var path = Path.Combine(Path.GetFullPath(dataDirectory), OwnerFileName);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var bytes = File.ReadAllBytes(path);
                return Parse(bytes);
            }
            catch (FileNotFoundException)
            {
                return null;
            }
            catch (DirectoryNotFoundException)
            {
                return null;
            }
            catch (Exception e) when ((e is IOException or JsonException or UnauthorizedAccessException) && attempt < 20)
            {
                // Windows refuses to read a file being replaced; retry briefly.
                Thread.Sleep(5);
            }
        }
    }

    private void Write(DataDirectoryOwner owner)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("pid", owner.Pid);
            if (owner.ProcessStart is { } start)
                json.WriteString("processStart", start.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("state", owner.State);
            json.WriteString("url", owner.Url);
            json.WriteString("bridge", owner.Bridge);
            json.WriteString("dataDirectory", DataDirectory);
            json.WriteString("updated", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        // Write then rename: readers see the old or the new description, never half of one.
        var target = Path.Combine(DataDirectory, OwnerFileName);
        var temporary = Path.Combine(DataDirectory, $"{OwnerFileName}.{Environment.ProcessId}.tmp");
        File.WriteAllBytes(temporary, buffer.WrittenSpan);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                File.Move(temporary, target, overwrite: true);
                return;
            }
            catch (IOException) when (attempt < 20)
            {
                Thread.Sleep(5); // Windows: a reader has the old file open
            }
        }
    }

    private static DataDirectoryOwner Parse(byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        var pid = root.GetProperty("pid").GetInt32();
        DateTimeOffset? start = root.TryGetProperty("processStart", out var s) && s.ValueKind == JsonValueKind.String
            ? DateTimeOffset.Parse(s.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
            : null;
        var state = root.TryGetProperty("state", out var st) ? st.GetString() ?? DataDirectoryOwner.Starting : DataDirectoryOwner.Starting;
        string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new DataDirectoryOwner(pid, start, state, Text("url"), Text("bridge"), IsRunning(pid, start));
    }

    private static bool IsRunning(int pid, DateTimeOffset? recordedStart)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited)
                return false;
            if (recordedStart is null)
                return true;
            // Start times agree to the clock tick; a second of slack absorbs rounding between the two readings.
            return Math.Abs((process.StartTime.ToUniversalTime() - recordedStart.Value.UtcDateTime).TotalSeconds) < 1.5;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false; // exited while we looked
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return true; // exists but not ours to inspect
        }
    }

    private static DateTimeOffset? CurrentProcessStart()
    {
        try
        {
            using var self = Process.GetCurrentProcess();
            return new DateTimeOffset(self.StartTime.ToUniversalTime());
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>Who holds the lock, in words; the owner may be between taking the lock and describing itself.</summary>
    private static string WaitForOwnerDescription(string directory)
    {
        DataDirectoryOwner? owner = null;
        for (var attempt = 0; attempt < 40; attempt++)
        {
            owner = ReadOwner(directory);
            if (owner is { IsAlive: true })
                break;
            Thread.Sleep(25);
        }

        if (owner is not { IsAlive: true })
            return "another process (it has not described itself in " + OwnerFileName + ")";
        var what = new StringBuilder($"process {owner.Pid}");
        if (owner.Url is not null)
            what.Append($" (gateway at {owner.Url})");
        else if (owner.State == DataDirectoryOwner.Starting)
            what.Append(" (starting; no URL yet)");
        else
            what.Append(" (a private --stdio silo; no URL)");
        return what.ToString();
    }
}

/// <summary>What <c>silo.json</c> says about a data directory's owner.</summary>
/// <param name="Pid">Owner process id.</param>
/// <param name="ProcessStart">When the owner process started (UTC), to tell it from a later process with the same pid.</param>
/// <param name="State">starting, ready, stopping or stopped.</param>
/// <param name="Url">The MCP endpoint it serves over HTTP, if any.</param>
/// <param name="Bridge">The local socket <c>--stdio</c> bridges connect to, if any.</param>
/// <param name="IsAlive">Whether that process was running when the file was read.</param>
public sealed record DataDirectoryOwner(int Pid, DateTimeOffset? ProcessStart, string State, string? Url, string? Bridge, bool IsAlive)
{
    public const string Starting = "starting";
    public const string Ready = "ready";
    public const string Stopping = "stopping";
    public const string Stopped = "stopped";
}

/// <summary>A second silo tried to open a data directory another process holds.</summary>
public sealed class DataDirectoryLockedException(string dataDirectory, string owner) : InvalidOperationException(
    $"The data directory '{dataDirectory}' is already in use by {owner}. Two silos on one SQLite file would overwrite " +
    "each other's state, so this one does not start. Connect to that one instead (`--stdio` bridges to it), stop it, or " +
    "choose another --data-dir.")
{
    public string DataDirectory { get; } = dataDirectory;
}

/// <summary>Makes the host own the lock: created at start, released when the host is disposed (after the silo stopped).</summary>
internal sealed class DataDirectoryLockLifetime(DataDirectoryLock directoryLock) : Microsoft.Extensions.Hosting.IHostedService
{
    public DataDirectoryLock Lock { get; } = directoryLock;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
