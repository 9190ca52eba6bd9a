using System.Data.Common;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SwarmCluster.Hosting.Storage;

namespace SwarmCluster.Hosting;

/// <summary>Runs <see cref="SchemaMigrator"/> during host start, before the Orleans silo starts.</summary>
internal sealed class SchemaMigrationService(StorageProvider provider, string connectionString, TimeSpan timeout, ILogger<SchemaMigrationService> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
        => MigrateWithRetryAsync(provider, connectionString, timeout, logger, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal static async Task<int> MigrateWithRetryAsync(StorageProvider provider, string connectionString, TimeSpan timeout, ILogger logger, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                var applied = await SchemaMigrator.MigrateAsync(provider, connectionString, ct);
                logger.LogInformation("Schema {Provider}: {Applied} migration(s) applied in {Elapsed} ms", provider, applied, clock.ElapsedMilliseconds);
                return applied;
            }
            catch (Exception ex) when (IsTransient(ex) && clock.Elapsed + delay < timeout && !ct.IsCancellationRequested)
            {
                // The database may still be starting (pods start in any order): retry until the timeout.
                logger.LogWarning("Schema {Provider}: database not reachable yet ({Message}); retrying in {Delay} ms", provider, ex.Message, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        Npgsql.PostgresException pg => pg.SqlState is "57P03" or "53300" or "3D000", // starting up, too many connections, db not created yet
        Npgsql.NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6, // BUSY, LOCKED
        DbException db => db.IsTransient,
        SocketException or TimeoutException => true,
        _ => false,
    };
}
