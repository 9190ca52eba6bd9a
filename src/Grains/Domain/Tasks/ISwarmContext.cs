using Microsoft.Extensions.Logging;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains.Tasks;

/// <summary>What the task coordinator needs from its swarm grain.</summary>
internal interface ISwarmContext
{
    string SwarmId { get; }

    IGrainFactory GrainFactory { get; }

    SwarmRoster Roster { get; }

    SupervisionPolicy Policy { get; }

    /// <summary>The swarm's maxAgents: a task may ask for at most this many agents.</summary>
    int MaxAgents { get; }

    ILogger Logger { get; }

    /// <summary>Ranks the candidates for a task and picks up to <paramref name="count"/> of them.</summary>
    (RoutingDecision Decision, IReadOnlyList<string> Chosen) Route(TaskText task, IReadOnlyList<RoutingCandidate> candidates, int count);

    /// <summary>Spawns an agent with the capabilities (the Queen's auto-spawn); null with a reason when it cannot.</summary>
    Task<(string? AgentId, string Reason)> SpawnForAsync(IReadOnlyList<string> capabilities, string taskId);

    /// <summary>A finished task's reported holds are new training data.</summary>
    void Learned(TaskIndexEntry task);
}
