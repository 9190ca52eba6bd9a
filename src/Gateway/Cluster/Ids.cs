using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Gateway.Security;

namespace SwarmCluster.Gateway.Cluster;

/// <summary>
/// Id checks before any grain call: an id of the wrong shape cannot exist, and an id of another tenant does not
/// exist for this caller, so both are "not found" — exactly what an unknown id of the caller's own tenant gets,
/// so nobody learns whether another tenant's id exists — without activating a grain for it.
/// </summary>
public static class Ids
{
    public static string Swarm(string id, string parameter = "swarmId") =>
        GrainKeys.IsSwarmId(id) && Mine(id) ? id : throw DomainException.NotFound("swarm", id, parameter);

    public static string Agent(string id, string parameter = "agentId") =>
        GrainKeys.IsAgentId(id) && Mine(id) ? id : throw DomainException.NotFound("agent", id, parameter);

    public static string Task(string id, string parameter = "taskId") =>
        GrainKeys.IsTaskId(id) && Mine(id) ? id : throw DomainException.NotFound("task", id, parameter);

    private static bool Mine(string id) => GrainKeys.TenantOf(id) == Caller.Current.Tenant;
}
