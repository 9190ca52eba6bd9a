using SwarmCluster.Contracts.Swarms;

namespace SwarmCluster.Contracts.Queen;

/// <summary>
/// The Queen of one hive, keyed by the swarm id she plans. Her analysis is deterministic: the same objective
/// always gives the same plan. She supervises her hive from a reminder, so supervision survives restarts.
/// </summary>
[Alias("swarm.IQueenGrain")]
public interface IQueenGrain : IGrainWithStringKey
{
    /// <summary>Plans without creating anything.</summary>
    [Alias("Analyze")] Task<SwarmPlan> Analyze(string objective, int? maxAgents, SwarmTopology? topology);

    /// <summary>
    /// Plans, creates the swarm keyed by this grain's key, spawns the agents and queues the tasks with their
    /// dependencies. Resumes a creation a crash interrupted; a repeat of a finished creation returns the hive.
    /// </summary>
    [Alias("CreateHive")] Task<HiveResult> CreateHive(string objective, int? maxAgents, SwarmTopology? topology);

    [Alias("GetHive")] Task<HiveResult> GetHive();

    /// <summary>The plan, each task's state, the critical path, stalled tasks and every supervision action.</summary>
    [Alias("GetStatus")] Task<QueenStatus> GetStatus();
}
