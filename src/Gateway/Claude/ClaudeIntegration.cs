using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Claude;

/// <summary>
/// Connects Claude to the gateway: `claude-register` runs `claude mcp add` for the HTTP endpoint (or prints what
/// to do when Claude Code is not installed); `claude-config` prints a Claude Desktop entry that starts us over stdio.
/// </summary>
public static class ClaudeIntegration
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The variable the printed .mcp.json reads the key from.</summary>
    public const string TokenVariable = "SWARMCLUSTER_API_KEY";

    public static async Task<int> RegisterAsync(string[] args)
    {
        var options = Options.Parse(args, ["--url", "--name", "--scope", "--token"]);
        if (options is null)
            return Usage("claude-register [--url URL] [--name NAME] [--scope local|user|project] [--token KEY]");
        var url = options.GetValueOrDefault("--url") ?? GatewayHost.DefaultUrl + GatewayHost.McpPath;
        var name = options.GetValueOrDefault("--name") ?? GatewayHost.ServerName;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            Console.Error.WriteLine($"--url must be an absolute http(s) URL (got '{url}')");
            return 2;
        }

        List<string> arguments = ["mcp", "add", "--transport", "http"];
        if (options.GetValueOrDefault("--scope") is { } scope)
            arguments.AddRange(["--scope", scope]);
        // A gateway with authentication wants the API key (or a token) on every request.
        var token = options.GetValueOrDefault("--token");
        if (token is not null)
            arguments.AddRange(["--header", $"Authorization: Bearer {token}"]);
        arguments.AddRange([name, url]);

        var claude = FindClaude();
        if (claude is null)
        {
            Console.WriteLine("Claude Code ('claude') was not found on PATH, in ~/.local/bin or in /usr/local/bin.");
            Console.WriteLine("Install it (npm install -g @anthropic-ai/claude-code), then run:");
            Console.WriteLine();
            Console.WriteLine("  " + Quote(["claude", .. arguments]));
            Console.WriteLine();
            Console.WriteLine("or put this in .mcp.json at the root of your project:");
            Console.WriteLine();
            var entry = new JsonObject { ["type"] = "http", ["url"] = url };
            if (token is not null)
            {
                // The file may be committed: it names an environment variable, never the key itself.
                entry["headers"] = new JsonObject { ["Authorization"] = "Bearer ${" + TokenVariable + "}" };
                Console.WriteLine($"(with {TokenVariable} set to the key in the environment Claude Code starts in)");
                Console.WriteLine();
            }
            Console.WriteLine(new JsonObject { ["mcpServers"] = new JsonObject { [name] = entry } }.ToJsonString(Indented));
            return 0;
        }

        Console.WriteLine($"Running: {Quote([claude, .. arguments.Select(a => token is not null && a.EndsWith(token, StringComparison.Ordinal) ? "Authorization: Bearer …" : a)])}");
        using var process = Process.Start(new ProcessStartInfo(claude, arguments) { UseShellExecute = false })
            ?? throw new InvalidOperationException($"could not start {claude}");
        await process.WaitForExitAsync();
        if (process.ExitCode == 0)
            Console.WriteLine($"Registered '{name}' → {url}. Start the gateway (dotnet run --project src/Gateway) and check with: claude mcp list");
        return process.ExitCode;
    }

    public static int PrintDesktopConfig(string[] args)
    {
        var options = Options.Parse(args, ["--name", "--data-dir"]);
        if (options is null)
            return Usage("claude-config [--name NAME] [--data-dir DIR]");
        var name = options.GetValueOrDefault("--name") ?? GatewayHost.ServerName;
        // Claude Desktop starts servers from an arbitrary directory: every path must be absolute.
        var dataDir = Path.GetFullPath(options.GetValueOrDefault("--data-dir")
            ?? SwarmClusterHosting.ResolveOptions(new ConfigurationBuilder().AddEnvironmentVariables().Build()).DataDirectory);
        var dll = typeof(ClaudeIntegration).Assembly.Location;

        var server = new JsonObject
        {
            ["command"] = "dotnet",
            ["args"] = new JsonArray(dll, "--stdio", "--data-dir", dataDir),
        };
        Console.WriteLine(new JsonObject { ["mcpServers"] = new JsonObject { [name] = server } }.ToJsonString(Indented));
        Console.Error.WriteLine("Merge this into claude_desktop_config.json (macOS: ~/Library/Application Support/Claude/, " +
            "Windows: %APPDATA%\\Claude\\) and restart Claude Desktop. Do not run it at the same time as the HTTP gateway " +
            "on the same data directory and silo ports.");
        return 0;
    }

    /// <summary>PATH first, then the two places Claude Code's installers put it.</summary>
    public static string? FindClaude()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(home, ".local", "bin"))
            .Append("/usr/local/bin");
        var names = OperatingSystem.IsWindows() ? new[] { "claude.exe", "claude.cmd" } : ["claude"];
        return candidates.SelectMany(dir => names.Select(n => Path.Combine(dir, n))).FirstOrDefault(File.Exists);
    }

    private static int Usage(string usage)
    {
        Console.Error.WriteLine($"usage: dotnet run --project src/Gateway -- {usage}");
        return 2;
    }

    private static string Quote(IEnumerable<string> words) =>
        string.Join(' ', words.Select(w => w.Length > 0 && w.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:@=+,".Contains(c)) ? w : "'" + w.Replace("'", "'\\''") + "'"));

    /// <summary>"--key value" / "--key=value" pairs; null on anything else.</summary>
    private static class Options
    {
        public static Dictionary<string, string>? Parse(string[] args, string[] known)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < args.Length; i++)
            {
                var token = args[i];
                var (key, value) = token.Split('=', 2) is [var k, var v] ? (k, v) : (token, i + 1 < args.Length ? args[++i] : null);
                if (!known.Contains(key) || string.IsNullOrWhiteSpace(value))
                {
                    Console.Error.WriteLine(known.Contains(key) ? $"{key} needs a value" : $"unexpected argument '{token}'");
                    return null;
                }
                result[key] = value;
            }
            return result;
        }
    }
}
