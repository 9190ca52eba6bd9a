using SwarmCluster.Contracts.Swarms;

namespace SwarmCluster.Contracts.Queen;

/// <summary>
/// The Queen of one hive, keyed by the swarm id she plans. Her analysis is deterministic: the same
/// objective always gives the same plan.
/// </summary>
[Alias("swarm.IQueenGrain")]
public interface IQueenGrain : IGrainWithStringKey
{
    /// <summary>Plans without creating anything.</summary>
    [Alias("Analyze")] Task<SwarmPlan> Analyze(string objective, int? maxAgents, SwarmTopology? topology);

    /// <summary>Plans, creates the swarm keyed by this grain's key, spawns the agents and registers the tasks.</summary>
    [Alias("CreateHive")] Task<HiveResult> CreateHive(string objective, int? maxAgents, SwarmTopology? topology);

    [Alias("GetHive")] Task<HiveResult> GetHive();
}
