using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Registry;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains;

/// <summary>
/// A tenant's directory (integer key <see cref="GrainKeys.TenantKey"/>, 0 for the implicit tenant): its live
/// swarms in registration order and its memory namespaces.
/// Calls nobody, so swarms and memory namespaces may call it from inside their requests.
/// </summary>
[GrainType("registry"), WorkerPlacement]
public sealed class RegistryGrain(
    [PersistentState(StorageNames.Registry, StorageNames.Provider)] IPersistentState<RegistryGrainState> state) : Grain, IRegistryGrain
{
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

        if (!state.State.Swarms.Contains(swarmId))
        {
            state.State.Swarms.Add(swarmId);
            await WriteAsync();
        }
    }

    public async Task UnregisterSwarm(string swarmId)
    {
        if (state.State.Swarms.Remove(swarmId))
        {
            await WriteAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListSwarms() => Task.FromResult<IReadOnlyList<string>>(state.State.Swarms.ToList());

    public Task<string?> GetDefaultSwarm() => Task.FromResult(state.State.Swarms.Count > 0 ? state.State.Swarms[^1] : null);

    public async Task RegisterNamespace(string memoryNamespace)
    {
        MemoryGrain.CheckNamespace(memoryNamespace);
        if (!state.State.Namespaces.Contains(memoryNamespace))
        {
            state.State.Namespaces.Add(memoryNamespace);
            await WriteAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListNamespaces() => Task.FromResult<IReadOnlyList<string>>(state.State.Namespaces.ToList());

    private Task WriteAsync() => state.WriteOrReloadAsync(DeactivateOnIdle);
}
