using Orleans.Placement;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains;

/// <summary>
/// One agent: profile, open tasks and history. Calls no other grain, so anyone may call it from inside a
/// request without risking a cycle. Metrics are computed from recorded outcomes only: null where there is
/// no data.
/// </summary>
// Activation-count placement: the least-loaded worker gets new activations (the default piles them on one silo).
[GrainType("agent"), WorkerPlacement, ActivationCountBasedPlacement]
public sealed class AgentGrain(
    [PersistentState(StorageNames.Agent, StorageNames.Provider)] IPersistentState<AgentGrainState> state) : Grain, IAgentGrain
{
    /// <summary>History entries kept for the median; counts and sums cover the agent's whole life.</summary>
    public const int MaxHistory = 1000;

    private string Id => this.GetPrimaryKeyString();

    public async Task<AgentInfo> Initialize(string swarmId, int slot, AgentSpec spec)
    {
        if (state.State.Exists)
        {
            throw new DomainException(ErrorKind.Conflict, $"agent '{Id}' already exists", "agentId");
        }

        if (!GrainKeys.IsAgentId(Id))
        {
            throw DomainException.Invalid("agentId", $"'{Id}' is not an agent id");
        }

        if (!GrainKeys.IsSwarmId(swarmId))
        {
            throw DomainException.Invalid("swarmId", $"'{swarmId}' is not a swarm id");
        }

        ArgumentNullException.ThrowIfNull(spec);
        Checks.Range(slot, "slot", 0, SwarmGrain.MaxAgentsLimit - 1);
        var type = Checks.Defined(spec.Type, "type");
        var pattern = Checks.Defined(spec.Pattern ?? AgentProfiles.DefaultPattern(type), "pattern");
        var now = DateTimeOffset.UtcNow;
        state.State = new AgentGrainState
        {
            Exists = true,
            SwarmId = swarmId,
            Slot = slot,
            Type = type,
            Name = Checks.Text(spec.Name, "name", SwarmGrain.MaxNameLength, required: false) is { Length: > 0 } name ? name : Id,
            Capabilities = (spec.Capabilities ?? AgentProfiles.DefaultCapabilities(type)).ToList(),
            Pattern = pattern,
            CreatedAt = now,
        };
        await WriteAsync();
        return Info();
    }

    public Task<AgentInfo> GetInfo()
    {
        EnsureExists();
        return Task.FromResult(Info());
    }

    public async Task Assign(string taskId)
    {
        EnsureExists();
        if (!GrainKeys.IsTaskId(taskId))
        {
            throw DomainException.Invalid("taskId", $"'{taskId}' is not a task id");
        }

        var s = state.State;
        if (s.ActiveTaskIds.Contains(taskId))
        {
            return;
        }

        s.ActiveTaskIds.Add(taskId);
        s.TasksAssigned++;
        s.LastActivity = DateTimeOffset.UtcNow;
        await WriteAsync();
    }

    public async Task RecordOutcome(AgentHistoryEntry entry)
    {
        EnsureExists();
        ArgumentNullException.ThrowIfNull(entry);
        var s = state.State;
        var wasActive = s.ActiveTaskIds.Remove(entry.TaskId);
        if (!wasActive && s.History.Exists(h => h.TaskId == entry.TaskId))
        {
            return; // a retried notification
        }

        s.History.Add(entry);
        if (s.History.Count > MaxHistory)
        {
            s.History.RemoveRange(0, s.History.Count - MaxHistory);
        }

        if (entry.Success)
        {
            s.TasksCompleted++;
        }
        else
        {
            s.TasksFailed++;
        }

        if (double.IsFinite(entry.DurationMs) && entry.DurationMs >= 0)
        {
            s.TotalDurationMs += entry.DurationMs;
        }

        if (entry.Quality is { } q && double.IsFinite(q))
        {
            s.QualitySum += q;
            s.QualityCount++;
        }

        s.LastActivity = entry.FinishedAt;
        await WriteAsync();
    }

    public async Task Release(string taskId)
    {
        EnsureExists();
        if (state.State.ActiveTaskIds.Remove(taskId))
        {
            state.State.LastActivity = DateTimeOffset.UtcNow;
            await WriteAsync();
        }
    }

    public Task<IReadOnlyList<AgentHistoryEntry>> GetHistory()
    {
        EnsureExists();
        return Task.FromResult<IReadOnlyList<AgentHistoryEntry>>(state.State.History.ToList());
    }

    public async Task<AgentInfo> SetCognitivePattern(CognitivePattern pattern)
    {
        EnsureExists();
        Checks.Defined(pattern, "pattern");
        if (state.State.Pattern != pattern)
        {
            state.State.Pattern = pattern;
            await WriteAsync();
        }

        return Info();
    }

    public async Task Retire()
    {
        if (state.State.Exists || state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        state.State = new AgentGrainState();
        DeactivateOnIdle();
    }

    internal static AgentMetrics ComputeMetrics(AgentGrainState s)
    {
        var finished = s.TasksCompleted + s.TasksFailed;
        double? median = null;
        if (s.History.Count > 0)
        {
            var durations = s.History.Select(h => h.DurationMs).Where(double.IsFinite).Order().ToArray();
            if (durations.Length > 0)
            {
                var mid = durations.Length / 2;
                median = durations.Length % 2 == 1 ? durations[mid] : (durations[mid - 1] + durations[mid]) / 2;
            }
        }

        return new AgentMetrics(
            s.TasksAssigned,
            s.TasksCompleted,
            s.TasksFailed,
            finished > 0 ? (double)s.TasksCompleted / finished : null,
            finished > 0 ? s.TotalDurationMs / finished : null,
            median,
            s.QualityCount > 0 ? s.QualitySum / s.QualityCount : null,
            s.TotalDurationMs,
            s.LastActivity);
    }

    private AgentInfo Info()
    {
        var s = state.State;
        return new AgentInfo(Id, s.SwarmId, s.Name, s.Type, s.Capabilities.ToList(), s.Pattern,
            s.ActiveTaskIds.Count > 0 ? AgentStatus.Busy : AgentStatus.Idle,
            s.ActiveTaskIds.Count > 0 ? s.ActiveTaskIds[0] : null,
            s.Slot, s.CreatedAt, ComputeMetrics(s));
    }

    private Task WriteAsync() => state.WriteOrReloadAsync(DeactivateOnIdle);

    private void EnsureExists()
    {
        if (!state.State.Exists)
        {
            throw DomainException.NotFound("agent", Id, "agentId");
        }
    }
}
