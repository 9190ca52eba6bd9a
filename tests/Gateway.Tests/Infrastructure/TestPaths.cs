using System.Reflection;

namespace SwarmCluster.Gateway.Tests.Infrastructure;

/// <summary>Where the built gateway and the Node MCP client live (recorded at build time).</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = Metadata("RepoRoot");

    public static string Configuration { get; } = Metadata("Configuration");

    public static string GatewayDll { get; } =
        Path.Combine(RepoRoot, "src", "Gateway", "bin", Configuration, "net10.0", "SwarmCluster.Gateway.dll");

    public static string ClientDirectory { get; } = Path.Combine(RepoRoot, "tests", "Gateway.Tests", "client");

    public static string ReferenceTools { get; } = Path.Combine(AppContext.BaseDirectory, "Reference", "ruv-swarm-1.0.20-tools.json");

    public static string NewTempDirectory(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), $"swarmcluster-gw-{purpose}-{Guid.NewGuid():n}"[..48]);
        Directory.CreateDirectory(path);
        return path;
    }

    private static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"assembly metadata '{key}' missing");
}
