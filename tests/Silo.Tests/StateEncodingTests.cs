using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using SwarmCluster.Contracts;
using SwarmCluster.Grains.State;
using SwarmCluster.Hosting;
using SwarmCluster.Hosting.Storage;

namespace SwarmCluster.Silo.Tests;

/// <summary>
/// SwarmCluster:StateEncoding through a production-configured silo: Json writes rows a silo of an earlier version can
/// read (a rolling upgrade), Binary (the default) reads them and writes its own format.
/// </summary>
public class StateEncodingTests
{
    [Theory]
    [MemberData(nameof(MemoryEntryRowsTests.Providers), MemberType = typeof(MemoryEntryRowsTests))]
    public async Task Json_rows_are_what_earlier_versions_wrote_and_binary_silos_read_and_rewrite_them(StorageProvider provider)
    {
        await using var db = await MemoryEntryRowsTests.Database.CreateAsync(provider);
        var key = GrainKeys.Memory("enc-" + Guid.NewGuid().ToString("n")[..8]);
        var grainId = GrainId.Create("memory", key);
        var written = new MemoryGrainState { Registered = true, LastWrite = DateTimeOffset.UtcNow.AddHours(-1), Owner = "alice" };

        db.Settings["SwarmCluster:StateEncoding"] = nameof(GrainStateEncoding.Json);
        await using (var silo = await SiloHost.StartAsync(SiloRole.Worker, db.Settings))
        {
            await Storage(silo).WriteStateAsync("memory", grainId, new GrainState<MemoryGrainState>(written));
        }

        var json = await db.StatePayloadAsync(key);
        Assert.False(GrainStateFormat.IsBinary(json));
        Assert.Contains("\"$type\":\"SwarmCluster.Grains.State.MemoryGrainState, SwarmCluster.Grains\"", System.Text.Encoding.UTF8.GetString(json));

        db.Settings.Remove("SwarmCluster:StateEncoding");
        await using (var silo = await SiloHost.StartAsync(SiloRole.Worker, db.Settings))
        {
            var row = new GrainState<MemoryGrainState>(new MemoryGrainState());
            await Storage(silo).ReadStateAsync("memory", grainId, row);
            Assert.Equal((true, written.LastWrite, "alice"), (row.State!.Registered, row.State.LastWrite, row.State.Owner));

            row.State.Owner = "bob";
            await Storage(silo).WriteStateAsync("memory", grainId, row);
            Assert.True(GrainStateFormat.IsBinary(await db.StatePayloadAsync(key)));

            var again = new GrainState<MemoryGrainState>(new MemoryGrainState());
            await Storage(silo).ReadStateAsync("memory", grainId, again);
            Assert.Equal((true, written.LastWrite, "bob"), (again.State!.Registered, again.State.LastWrite, again.State.Owner));
        }
    }

    private static IGrainStorage Storage(SiloHost silo) =>
        silo.Host.Services.GetRequiredKeyedService<IGrainStorage>(SwarmStorage.ProviderName);
}
