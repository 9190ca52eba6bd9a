using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;
using SwarmCluster.Hosting;
using SwarmCluster.Hosting.Storage;
using Xunit.Abstractions;

namespace SwarmCluster.Silo.Tests;

/// <summary>`SwarmCluster.Silo migrate` — what the Kubernetes migration Job runs.</summary>
public class MigrateCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Migrate_sqlite_via_data_dir_then_again()
    {
        using var dir = new TempDirectory();
        var first = await RunSiloAsync(["migrate", "--data-dir", dir.Path], []);
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains($"{SchemaMigrator.GetMigrations(StorageProvider.Sqlite).Count} migration(s) applied", first.Output);

        var second = await RunSiloAsync(["migrate", "--data-dir", dir.Path], []);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("0 migration(s) applied", second.Output);

        await using var connection = new SqliteConnection(SwarmClusterHosting.BuildSqliteConnectionString(dir.SqliteFile));
        await connection.OpenAsync();
        Assert.Equal(SchemaMigratorTests.QueryKeys.Length.ToString(), await SchemaMigratorTests.ScalarAsync(connection, "SELECT COUNT(*) FROM OrleansQuery"));
    }

    [Fact]
    public async Task Migrate_sqlite_via_SWARM_DATA_DIR()
    {
        using var dir = new TempDirectory();
        var result = await RunSiloAsync(["migrate"], new() { ["SWARM_DATA_DIR"] = dir.Path });
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.True(File.Exists(dir.SqliteFile), result.Output);
    }

    [Fact]
    public async Task Migrate_postgres_via_environment()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();
        var env = new Dictionary<string, string?>
        {
            ["SwarmCluster__Storage"] = "PostgreSql",
            ["SwarmCluster__PostgresConnectionString"] = db.ConnectionString,
        };
        var result = await RunSiloAsync(["migrate"], env);
        Assert.True(result.ExitCode == 0, result.Output);

        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal(SchemaMigratorTests.QueryKeys.Length.ToString(), await SchemaMigratorTests.ScalarAsync(connection, "SELECT COUNT(*) FROM OrleansQuery"));
    }

    [Fact]
    public async Task Migrate_postgres_without_connection_string_fails_with_a_reason()
    {
        var result = await RunSiloAsync(["migrate"], new() { ["SwarmCluster__Storage"] = "PostgreSql" });
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("PostgresConnectionString", result.Output);
    }

    private async Task<(int ExitCode, string Output)> RunSiloAsync(string[] args, Dictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(SiloDll());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Only what the test sets: nothing inherited from the developer's shell.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("SwarmCluster__", StringComparison.OrdinalIgnoreCase) || k == "SWARM_DATA_DIR").ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout + await stderr;
        output.WriteLine($"exit {process.ExitCode} after {clock.ElapsedMilliseconds} ms\n{text}");
        return (process.ExitCode, text);
    }

    private static string SiloDll()
    {
        // tests/Silo.Tests/bin/<Configuration>/net10.0 → src/Silo/bin/<Configuration>/net10.0
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "SwarmCluster.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var dll = Path.Combine(root.FullName, "src", "Silo", "bin", configuration, testBin.Name, "SwarmCluster.Silo.dll");
        Assert.True(File.Exists(dll), $"{dll} not built");
        return dll;
    }
}
