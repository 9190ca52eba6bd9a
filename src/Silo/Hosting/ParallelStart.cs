using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace SwarmCluster.Hosting;

/// <summary>
/// Start-up on two cores: the host's hosted services (the Orleans silo's object graph among them) and the
/// OpenTelemetry meter provider are built on a thread-pool thread while the caller maps its endpoints (mapping the
/// dashboard compresses its assets). The same singletons start in the same order; they are only built sooner.
/// </summary>
public static class ParallelStart
{
    public static WebApplication BuildHostedServicesInBackground(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        _ = Task.Run(() =>
        {
            try
            {
                _ = app.Services.GetServices<IHostedService>();
                _ = app.Services.GetService<MeterProvider>();
            }
            catch (Exception)
            {
                // Not cached when it fails: the host's start builds it again and reports the failure itself.
            }
        });
        return app;
    }
}
