using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Tasks;

/// <summary>A task request after its rules were checked (dependencies are resolved by the board later).</summary>
internal sealed record NormalizedTask(
    string Description,
    TaskPriority Priority,
    ExecutionStrategy Strategy,
    int AgentCount,
    IReadOnlyList<string> RequiredCapabilities,
    IReadOnlyList<string> DependsOn,
    int LeaseSeconds,
    int MaxAttempts,
    string? Key,
    string? RequestId,
    IReadOnlyList<string>? AllowedAgents,
    bool Assign);

/// <summary>The rules of a task request, each failure naming the parameter.</summary>
internal static class TaskSpecs
{
    public static NormalizedTask Normalize(TaskSpec spec, int swarmMaxAgents, int agentCount)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var description = Checks.Text(spec.Description, "description", TaskLimits.MaxDescriptionLength);
        Checks.Defined(spec.Priority, "priority");
        Checks.Defined(spec.Strategy, "strategy");
        var perTask = Math.Min(TaskLimits.MaxAgentsPerTask, swarmMaxAgents);
        if (spec.MaxAgents is { } m)
        {
            Checks.Range(m, "maxAgents", 1, perTask);
        }

        var count = spec.MaxAgents ?? (spec.Strategy == ExecutionStrategy.Parallel ? Math.Min(TaskLimits.DefaultParallelAgents, Math.Max(1, agentCount)) : 1);
        var dependsOn = spec.DependsOn ?? [];
        if (dependsOn.Count > TaskLimits.MaxDependencies)
        {
            throw DomainException.Invalid("dependsOn", $"at most {TaskLimits.MaxDependencies} dependencies (got {dependsOn.Count})");
        }

        for (var i = 0; i < dependsOn.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(dependsOn[i]))
            {
                throw DomainException.Invalid($"dependsOn[{i}]", "must be a task id");
            }
        }

        var lease = spec.LeaseSeconds ?? TaskLimits.DefaultLeaseSeconds;
        Checks.Range(lease, "leaseSeconds", TaskLimits.MinLeaseSeconds, TaskLimits.MaxLeaseSeconds);
        var attempts = spec.MaxAttempts ?? TaskLimits.DefaultMaxAttempts;
        Checks.Range(attempts, "maxAttempts", 1, TaskLimits.MaxAttempts);
        var key = spec.Key is null ? null : Checks.Text(spec.Key, "key", TaskLimits.MaxTaskKeyLength);
        var requestId = RequestId(spec.RequestId);
        IReadOnlyList<string>? allowed = null;
        if (spec.AllowedAgents is { } agents)
        {
            allowed = agents.Distinct(StringComparer.Ordinal).ToList();
            for (var i = 0; i < allowed.Count; i++)
            {
                if (!GrainKeys.IsAgentId(allowed[i]))
                {
                    throw DomainException.Invalid($"agentIds[{i}]", $"'{allowed[i]}' is not an agent id");
                }
            }
        }

        return new NormalizedTask(description, spec.Priority, spec.Strategy, count,
            Capabilities.Normalize(spec.RequiredCapabilities, "requiredCapabilities"),
            dependsOn.Select(d => d.Trim()).Distinct(StringComparer.Ordinal).ToList(),
            lease, attempts, key, requestId, allowed, spec.Assign);
    }

    public static string? RequestId(string? requestId, string parameter = "requestId") =>
        requestId is null ? null : Checks.Text(requestId, parameter, TaskLimits.MaxRequestIdLength);
}

/// <summary>Capability lists: trimmed, lower-case, distinct, bounded.</summary>
internal static class Capabilities
{
    public static List<string> Normalize(IReadOnlyList<string>? capabilities, string parameter = "capabilities")
    {
        if (capabilities is null)
        {
            return [];
        }

        if (capabilities.Count > SwarmLimits.MaxCapabilities)
        {
            throw DomainException.Invalid(parameter, $"at most {SwarmLimits.MaxCapabilities} entries (got {capabilities.Count})");
        }

        var result = new List<string>();
        foreach (var capability in capabilities)
        {
            var c = Checks.Text(capability, parameter, SwarmLimits.MaxCapabilityLength).ToLowerInvariant();
            if (!result.Contains(c))
            {
                result.Add(c);
            }
        }

        return result;
    }
}
