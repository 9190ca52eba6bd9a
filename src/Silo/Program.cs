using SwarmCluster.Hosting;

// Worker silo: hosts stateful grains, serves /healthz. `migrate` applies the storage schema and exits
// (used by the Kubernetes Job and by tests).
var migrateOnly = args.Length > 0 && args[0] == "migrate";
// appsettings.json sits next to the binary; the working directory only anchors a relative data directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = migrateOnly ? args[1..] : args,
    ContentRootPath = AppContext.BaseDirectory,
});

if (migrateOnly)
{
    using var loggerFactory = LoggerFactory.Create(logging => logging.AddConsole());
    var logger = loggerFactory.CreateLogger("SwarmCluster.Migrate");
    try
    {
        var options = SwarmClusterHosting.ResolveOptions(builder.Configuration);
        var applied = await SwarmClusterHosting.MigrateAsync(options, logger);
        logger.LogInformation("Schema is up to date ({Storage}; {Applied} migration(s) applied)", options.Storage, applied);
        return 0;
    }
    catch (Exception ex)
    {
        logger.LogError(ex, "Schema migration failed");
        return 1;
    }
}

builder.AddSwarmClusterSilo(SiloRole.Worker);
var app = builder.Build().BuildHostedServicesInBackground();
app.MapSwarmClusterEndpoints();
await app.RunAsync();
return 0;
