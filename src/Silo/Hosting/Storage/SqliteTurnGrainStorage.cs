using Orleans.Storage;

namespace SwarmCluster.Hosting.Storage;

/// <summary>
/// The ADO.NET grain storage on SQLite, its writes and clears taking their turn in the file's
/// <see cref="SqliteWriteQueue"/>; reads go straight through. It stands in the provider's place in the silo's
/// lifecycle too (the provider loads its queries when the silo starts).
/// </summary>
internal sealed class SqliteTurnGrainStorage(IGrainStorage provider, SqliteWriteQueue writes) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        provider.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        writes.RunAsync(() => provider.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        writes.RunAsync(() => provider.ClearStateAsync(stateName, grainId, grainState));

    public void Participate(ISiloLifecycle lifecycle) => (provider as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}
