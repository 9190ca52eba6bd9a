namespace SwarmCluster.Contracts.Registry;

/// <summary>A tenant's directory of swarms and memory namespaces (key <see cref="GrainKeys.TenantKey"/>; 0 is the implicit tenant).</summary>
[Alias("swarm.IRegistryGrain")]
public interface IRegistryGrain : IGrainWithIntegerKey
{
    [Alias("RegisterSwarm")] Task RegisterSwarm(string swarmId);

    [Alias("UnregisterSwarm")] Task UnregisterSwarm(string swarmId);

    /// <summary>Swarm ids, oldest first.</summary>
    [Alias("ListSwarms")] Task<IReadOnlyList<string>> ListSwarms();

    /// <summary>The most recently created live swarm, used when a tool gets no swarmId; null if none.</summary>
    [Alias("GetDefaultSwarm")] Task<string?> GetDefaultSwarm();

    [Alias("RegisterNamespace")] Task RegisterNamespace(string memoryNamespace);

    [Alias("ListNamespaces")] Task<IReadOnlyList<string>> ListNamespaces();
}
