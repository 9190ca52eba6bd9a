using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;
using SwarmCluster.Grains.Tasks;

namespace SwarmCluster.Grains;

/// <summary>
/// A swarm's agents, in slot order (slot i is output i of the routing network). The roster is the source of
/// truth for membership and profile; status and metrics come from the task records (<see cref="AgentWork"/>).
/// </summary>
internal sealed class SwarmRoster(string swarmId, SwarmGrainState state)
{
    public IReadOnlyList<SwarmAgentEntry> Agents => state.Agents;

    public int Count => state.Agents.Count;

    public SwarmAgentEntry? Find(string? agentId) => agentId is null ? null : state.Agents.Find(a => a.Id == agentId);

    public SwarmAgentEntry Require(string agentId, string parameter = "agentId") =>
        Find(agentId) ?? throw new DomainException(ErrorKind.NotFound, $"agent '{agentId}' not found in swarm '{swarmId}'", parameter);

    public SwarmAgentEntry? ByRequest(string requestId) => state.Agents.Find(a => a.RequestId == requestId);

    /// <summary>Validates the spec and adds the agent in the next slot; CapacityExceeded at maxAgents.</summary>
    public SwarmAgentEntry Add(AgentSpec spec, string agentId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var type = Checks.Defined(spec.Type, "type");
        var name = Checks.Text(spec.Name, "name", SwarmLimits.MaxNameLength, required: false);
        if (spec.Pattern is { } p)
        {
            Checks.Defined(p, "cognitivePattern");
        }

        var capabilities = Capabilities.Normalize(spec.Capabilities) is { Count: > 0 } given ? given : AgentProfiles.DefaultCapabilities(type);
        if (state.Agents.Count >= state.MaxAgents)
        {
            throw new DomainException(ErrorKind.CapacityExceeded, $"swarm '{swarmId}' is full: maxAgents {state.MaxAgents} reached", "maxAgents");
        }

        var slot = state.Agents.Count;
        var entry = new SwarmAgentEntry
        {
            Id = agentId,
            Slot = slot,
            Type = type,
            Name = name.Length > 0 ? name : $"{type.ToString().ToLowerInvariant()}-{slot + 1}",
            Capabilities = capabilities,
            Pattern = spec.Pattern ?? AgentProfiles.DefaultPattern(type),
            CreatedAt = now,
            RequestId = spec.RequestId,
        };
        state.Agents.Add(entry);
        state.AgentsSpawned++;
        return entry;
    }

    /// <summary>Agents having every required capability, in slot order.</summary>
    public IEnumerable<SwarmAgentEntry> WithCapabilities(IReadOnlyList<string>? required) =>
        state.Agents.Where(a => TaskRouter.HasCapabilities(a.Capabilities, required));

    public AgentInfo Info(SwarmAgentEntry a, AgentWork work)
    {
        var durations = work.Durations.Where(double.IsFinite).ToList();
        double? median = null;
        if (durations.Count > 0)
        {
            durations.Sort();
            var mid = durations.Count / 2;
            median = durations.Count % 2 == 1 ? durations[mid] : (durations[mid - 1] + durations[mid]) / 2;
        }

        var total = durations.Sum();
        var metrics = new AgentMetrics(
            work.Holds,
            work.Completed,
            work.Failed,
            work.Reported > 0 ? (double)work.Completed / work.Reported : null,
            durations.Count > 0 ? total / durations.Count : null,
            median,
            work.QualityCount > 0 ? work.QualitySum / work.QualityCount : null,
            total,
            work.LastActivity)
        {
            LeasesExpired = work.Expired,
        };
        return new AgentInfo(a.Id, swarmId, a.Name, a.Type, a.Capabilities.ToList(), a.Pattern ?? AgentProfiles.DefaultPattern(a.Type),
            work.OpenTaskIds.Count > 0 ? AgentStatus.Busy : AgentStatus.Idle,
            work.OpenTaskIds.Count > 0 ? work.OpenTaskIds[0] : null,
            a.Slot, a.CreatedAt ?? state.CreatedAt, metrics)
        {
            OpenTaskIds = work.OpenTaskIds.ToList(),
            RequestId = a.RequestId,
        };
    }

    public RoutingCandidate Candidate(SwarmAgentEntry a, AgentWork work) =>
        new(a.Id, a.Slot, a.Type, a.Capabilities, work.OpenTaskIds.Count);
}
