using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmCluster.Hosting;

namespace SwarmCluster.Gateway.Claude;

/// <summary>
/// Connects Claude to the gateway. Both commands give the bridge form by default: Claude starts
/// `dotnet SwarmCluster.Gateway.dll --stdio --data-dir DIR`, a thin bridge to the one gateway serving DIR (started
/// in the background by the first session), so every session and window shares the same swarms.
/// `claude-register` runs `claude mcp add` (or prints what to do when Claude Code is not installed; `--url` registers
/// a running gateway's HTTP endpoint instead); `claude-config` prints the Claude Desktop entry.
/// </summary>
public static class ClaudeIntegration
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The variable the printed .mcp.json reads the key from (the one a --connect bridge reads too).</summary>
    public const string TokenVariable = Stdio.BridgeOptions.TokenVariable;

    public static async Task<int> RegisterAsync(string[] args)
    {
        var options = Options.Parse(args, ["--url", "--name", "--scope", "--data-dir", "--token"]);
        if (options is null)
            return Usage("claude-register [--name NAME] [--scope local|user|project] [--data-dir DIR | --url URL [--token KEY]]");
        var name = options.GetValueOrDefault("--name") ?? GatewayHost.ServerName;
        // A key means a gateway with authentication over HTTP (the local bridge needs none: its socket is owner-only).
        var token = options.GetValueOrDefault("--token");
        if (token is not null && options.ContainsKey("--data-dir"))
        {
            Console.Error.WriteLine("--token goes with --url (an HTTP gateway with authentication); the stdio bridge of --data-dir needs no key");
            return 2;
        }
        var url = options.GetValueOrDefault("--url") ?? (token is null ? null : GatewayHost.DefaultUrl + GatewayHost.McpPath);
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            Console.Error.WriteLine($"--url must be an absolute http(s) URL (got '{url}')");
            return 2;
        }
        if (url is not null && options.ContainsKey("--data-dir"))
        {
            Console.Error.WriteLine("--url and --data-dir exclude each other: --url registers a running gateway over HTTP, --data-dir the stdio bridge");
            return 2;
        }

        List<string> arguments = ["mcp", "add", "--transport", url is null ? "stdio" : "http"];
        if (options.GetValueOrDefault("--scope") is { } scope)
            arguments.AddRange(["--scope", scope]);
        JsonObject entry;
        if (url is null)
        {
            var (command, bridgeArgs) = BridgeCommand(options.GetValueOrDefault("--data-dir"));
            arguments.AddRange([name, "--", command, .. bridgeArgs]);
            entry = new JsonObject { ["type"] = "stdio", ["command"] = command, ["args"] = new JsonArray([.. bridgeArgs.Select(a => (JsonNode)a)]) };
        }
        else
        {
            arguments.AddRange([name, url]);
            entry = new JsonObject { ["type"] = "http", ["url"] = url };
            if (token is not null)
            {
                // After name and URL: claude's --header takes any number of values.
                arguments.AddRange(["--header", $"Authorization: Bearer {token}"]);
                // .mcp.json may be committed: it names an environment variable, never the key itself.
                entry["headers"] = new JsonObject { ["Authorization"] = "Bearer ${" + TokenVariable + "}" };
            }
        }

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
            if (token is not null)
            {
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
        {
            Console.WriteLine(url is null
                ? $"Registered '{name}': each Claude Code session starts a bridge to the one gateway for its data directory. Check with: claude mcp list"
                : $"Registered '{name}' → {url}. Start the gateway (dotnet run --project src/Gateway) and check with: claude mcp list");
        }
        return process.ExitCode;
    }

    public static int PrintDesktopConfig(string[] args)
    {
        var options = Options.Parse(args, ["--name", "--data-dir"]);
        if (options is null)
            return Usage("claude-config [--name NAME] [--data-dir DIR]");
        var name = options.GetValueOrDefault("--name") ?? GatewayHost.ServerName;
        var (command, bridgeArgs) = BridgeCommand(options.GetValueOrDefault("--data-dir"));

        var server = new JsonObject
        {
            ["command"] = command,
            ["args"] = new JsonArray([.. bridgeArgs.Select(a => (JsonNode)a)]),
        };
        Console.WriteLine(new JsonObject { ["mcpServers"] = new JsonObject { [name] = server } }.ToJsonString(Indented));
        Console.Error.WriteLine("Merge this into claude_desktop_config.json (macOS: ~/Library/Application Support/Claude/, " +
            "Windows: %APPDATA%\\Claude\\) and restart Claude Desktop. Each window starts a bridge to the one gateway for " +
            "that data directory (an HTTP gateway already serving it, or one started in the background that stops after " +
            "10 idle minutes), so every session shares the same swarms.");
        return 0;
    }

    /// <summary>dotnet + this build's dll with --stdio and an absolute data directory (clients start servers from anywhere).</summary>
    private static (string Command, string[] Args) BridgeCommand(string? dataDirectory)
    {
        var dataDir = Path.GetFullPath(dataDirectory
            ?? SwarmClusterHosting.ResolveOptions(new ConfigurationBuilder().AddEnvironmentVariables().Build()).DataDirectory);
        return ("dotnet", [typeof(ClaudeIntegration).Assembly.Location, "--stdio", "--data-dir", dataDir]);
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
