using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;

namespace SwarmCluster.Gateway.Cluster;

/// <summary>
/// Id checks before any grain call: an id of the wrong shape cannot exist, so it is "not found" without
/// activating a grain for it.
/// </summary>
public static class Ids
{
    public static string Swarm(string id, string parameter = "swarmId") =>
        GrainKeys.IsSwarmId(id) ? id : throw DomainException.NotFound("swarm", id, parameter);

    public static string Agent(string id, string parameter = "agentId") =>
        GrainKeys.IsAgentId(id) ? id : throw DomainException.NotFound("agent", id, parameter);

    public static string Task(string id, string parameter = "taskId") =>
        GrainKeys.IsTaskId(id) ? id : throw DomainException.NotFound("task", id, parameter);
}
