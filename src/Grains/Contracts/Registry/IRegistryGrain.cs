using Orleans.Concurrency;

namespace SwarmCluster.Contracts.Registry;

/// <summary>A tenant's newest swarm ids, newest first, and how many swarms it has in all.</summary>
[GenerateSerializer, Immutable, Alias("registry.newest-swarms")]
public sealed record NewestSwarms([property: Id(0)] IReadOnlyList<string> Ids, [property: Id(1)] int Total);

/// <summary>A tenant's directory of swarms and memory namespaces (key <see cref="GrainKeys.TenantKey"/>; 0 is the implicit tenant).</summary>
[Alias("swarm.IRegistryGrain")]
public interface IRegistryGrain : IGrainWithIntegerKey
{
    [Alias("RegisterSwarm")] Task RegisterSwarm(string swarmId);

    [Alias("UnregisterSwarm")] Task UnregisterSwarm(string swarmId);

    /// <summary>Swarm ids, oldest first.</summary>
    [Alias("ListSwarms")] Task<IReadOnlyList<string>> ListSwarms();

    /// <summary>The newest <paramref name="count"/> swarm ids (newest first) and how many there are.</summary>
    [Alias("NewestSwarms"), ReadOnly] Task<NewestSwarms> NewestSwarms(int count);

    /// <summary>The most recently created live swarm, used when a tool gets no swarmId; null if none.</summary>
    [Alias("GetDefaultSwarm")] Task<string?> GetDefaultSwarm();

    [Alias("RegisterNamespace")] Task RegisterNamespace(string memoryNamespace);

    [Alias("ListNamespaces")] Task<IReadOnlyList<string>> ListNamespaces();
}
