using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Registry;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains;

/// <summary>
/// A tenant's directory (integer key <see cref="GrainKeys.TenantKey"/>, 0 for the implicit tenant): its live
/// swarms in registration order and its memory namespaces, each list in pages of its own (<see cref="PagedIdList"/>),
/// so registering the thousandth swarm writes one small row, not the whole list.
/// Calls nobody, so swarms and memory namespaces may call it from inside their requests.
/// </summary>
[GrainType("registry"), WorkerPlacement]
public sealed class RegistryGrain(
    [PersistentState(StorageNames.Registry, StorageNames.Provider)] IPersistentState<RegistryGrainState> state,
    [FromKeyedServices(StorageNames.Provider)] IGrainStorage storage) : Grain, IRegistryGrain
{
    private PagedIdList _swarms = null!;
    private PagedIdList _namespaces = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _swarms = new PagedIdList(storage, this.GetGrainId(), StorageNames.RegistrySwarmPagePrefix);
        _namespaces = new PagedIdList(storage, this.GetGrainId(), StorageNames.RegistryNamespacePagePrefix);
        await Task.WhenAll(_swarms.LoadAsync(), _namespaces.LoadAsync());
        await MoveOldListsAsync();
    }

    public async Task RegisterSwarm(string swarmId)
    {
        if (!GrainKeys.IsSwarmId(swarmId))
        {
            throw DomainException.Invalid("swarmId", $"'{swarmId}' is not a swarm id");
        }

        if (GrainKeys.TenantKey(GrainKeys.TenantOf(swarmId)) != this.GetPrimaryKeyLong())
        {
            throw DomainException.Invalid("swarmId", $"'{swarmId}' belongs to another tenant's registry");
        }

        await WriteAsync(() => _swarms.AddAsync(swarmId));
    }

    public Task UnregisterSwarm(string swarmId) => WriteAsync(() => _swarms.RemoveAsync(swarmId));

    public Task<IReadOnlyList<string>> ListSwarms() => Task.FromResult(_swarms.Items);

    public Task<NewestSwarms> NewestSwarms(int count) => Task.FromResult(new NewestSwarms(_swarms.NewestFirst(count), _swarms.Count));

    public Task<string?> GetDefaultSwarm() => Task.FromResult(_swarms.Newest);

    public async Task RegisterNamespace(string memoryNamespace)
    {
        MemoryGrain.CheckNamespace(memoryNamespace);
        await WriteAsync(() => _namespaces.AddAsync(memoryNamespace));
    }

    public Task<IReadOnlyList<string>> ListNamespaces() => Task.FromResult(_namespaces.Items);

    /// <summary>Rows from before the pages held both lists: move them (in order) and empty the old row.</summary>
    private async Task MoveOldListsAsync()
    {
        if (state.State.Swarms.Count == 0 && state.State.Namespaces.Count == 0)
        {
            return;
        }

        // A crash halfway leaves the moved ids in pages and the old row as it was: adding them again does nothing.
        foreach (var id in state.State.Swarms)
        {
            await _swarms.AddAsync(id);
        }

        foreach (var name in state.State.Namespaces)
        {
            await _namespaces.AddAsync(name);
        }

        state.State = new RegistryGrainState();
        await state.WriteStateAsync();
    }

    /// <summary>A failed page write may have reached the database: deactivate so the next call reloads what is stored.</summary>
    private async Task WriteAsync(Func<Task<bool>> change)
    {
        try
        {
            await change();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }
}
