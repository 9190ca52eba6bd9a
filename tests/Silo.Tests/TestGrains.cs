using Orleans.Placement;
using Orleans.Runtime;
using SwarmCluster.Grains.Placement;

namespace SwarmCluster.Silo.Tests;

[GenerateSerializer, Alias("SwarmCluster.Tests.CounterState")]
public sealed class CounterState
{
    [Id(0)] public int Value { get; set; }
}

[GenerateSerializer, Alias("SwarmCluster.Tests.CounterSnapshot")]
public sealed record CounterSnapshot(
    [property: Id(0)] int Value,
    [property: Id(1)] string? ETag,
    [property: Id(2)] bool RecordExists,
    [property: Id(3)] string Silo);

[Alias("SwarmCluster.Tests.ICounterGrain")]
public interface ICounterGrain : IGrainWithStringKey
{
    [Alias("Add")] Task<CounterSnapshot> Add(int delta);

    /// <summary>Like Add but returns the exception type name instead of throwing.</summary>
    [Alias("TryAdd")] Task<string?> TryAdd(int delta);

    [Alias("Get")] Task<CounterSnapshot> Get();

    [Alias("Clear")] Task Clear();

    [Alias("Deactivate")] Task Deactivate();
}

[WorkerPlacement]
public sealed class CounterGrain([PersistentState("state", "swarm")] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    public async Task<CounterSnapshot> Add(int delta)
    {
        state.State.Value += delta;
        await state.WriteStateAsync();
        return Snapshot();
    }

    public async Task<string?> TryAdd(int delta)
    {
        try
        {
            state.State.Value += delta;
            await state.WriteStateAsync();
            return null;
        }
        catch (Exception ex)
        {
            return ex.GetType().Name;
        }
    }

    public Task<CounterSnapshot> Get() => Task.FromResult(Snapshot());

    public Task Clear() => state.ClearStateAsync();

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private CounterSnapshot Snapshot() => new(state.State.Value, state.Etag, state.RecordExists, RuntimeIdentity);
}

[Alias("SwarmCluster.Tests.IWhereGrain")]
public interface IWhereGrain : IGrainWithStringKey
{
    /// <summary>The silo the activation lives on.</summary>
    [Alias("Where")] Task<string> Where();
}

/// <summary>
/// Worker-only and placed at random, as swarms are: activation-count placement follows load statistics that lag on a
/// busy machine (all 40 activations landed on one worker in a CI run), so it is not what a spread test can assert.
/// </summary>
[WorkerPlacement]
[RandomPlacement]
public sealed class WorkerOnlyGrain : Grain, IWhereGrain
{
    public Task<string> Where() => Task.FromResult(RuntimeIdentity);
}

[Alias("SwarmCluster.Tests.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey
{
    [Alias("Register")] Task Register(string name, TimeSpan period);

    [Alias("Names")] Task<string[]> Names();

    [Alias("Unregister")] Task Unregister(string name);

    [Alias("Ticks")] Task<int> Ticks();
}

/// <summary>Drives every reminder query of the ADO.NET reminder provider against our schema.</summary>
[WorkerPlacement]
public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    private int _ticks;

    public Task Register(string name, TimeSpan period) => this.RegisterOrUpdateReminder(name, period, period);

    public async Task<string[]> Names() => (await this.GetReminders()).Select(r => r.ReminderName).Order().ToArray();

    public async Task Unregister(string name)
    {
        if (await this.GetReminder(name) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task<int> Ticks() => Task.FromResult(_ticks);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _ticks++;
        return Task.CompletedTask;
    }
}
