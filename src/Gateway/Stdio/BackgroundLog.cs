namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// --background (how bridges start the gateway): no terminal to write to, so stdout and stderr, and with them the
/// console logger, go to gateway.log in the data directory (the previous file kept as gateway.log.1 past 16 MB).
/// </summary>
internal static class BackgroundLog
{
    public const string Switch = "--background";
    private const long RotateBytes = 16 * 1024 * 1024;

    /// <summary>Redirects the console when <paramref name="args"/> contain the switch; returns the arguments without it.</summary>
    public static string[] Apply(string[] args)
    {
        if (!args.Contains(Switch))
            return args;
        args = args.Where(a => a != Switch).ToArray();
        var dataDirectory = BridgeOptions.Parse(args).DataDirectory;
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, LocalGateway.LogFileName);
        try
        {
            if (new FileInfo(path) is { Exists: true, Length: > RotateBytes })
                File.Move(path, path + ".1", overwrite: true);
        }
        catch (IOException)
        {
            // Another process has it open on Windows; keep appending.
        }

        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var writer = TextWriter.Synchronized(new StreamWriter(stream) { AutoFlush = true });
        Console.SetOut(writer);
        Console.SetError(writer);
        writer.WriteLine($"---- {DateTimeOffset.Now:O} gateway pid {Environment.ProcessId} started in the background for {dataDirectory}");
        return args;
    }
}
