using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains.Tasks;

/// <summary>What supervision did on its own, kept in its own row (bounded; the total counts everything).</summary>
internal sealed class SwarmActionLog(IPersistentState<SwarmActionLogState> state)
{
    private bool _dirty;

    public IReadOnlyList<SupervisionAction> Recent => state.State.Actions;

    public long Total => state.State.Total;

    public void Add(SupervisionAction action)
    {
        var log = state.State;
        log.Actions.Add(action);
        log.Total++;
        if (log.Actions.Count > SwarmLimits.MaxActionLog)
        {
            log.Actions.RemoveRange(0, log.Actions.Count - SwarmLimits.MaxActionLog);
        }

        _dirty = true;
    }

    public async Task FlushAsync()
    {
        if (_dirty)
        {
            await state.WriteStateAsync();
            _dirty = false;
        }
    }

    public Task ClearAsync()
    {
        _dirty = false;
        state.State = new SwarmActionLogState();
        return state.RecordExists ? state.ClearStateAsync() : Task.CompletedTask;
    }
}
