using System.Globalization;
using Orleans.Storage;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains.Tasks;

/// <summary>
/// The swarm's task index pages, each its own row of the grain storage ("swarm-tasks-n" states of the swarm
/// grain), read and written through the same ADO.NET provider as every grain state. A write rewrites one page
/// (at most <see cref="TaskBoard.PageSize"/> entries), so its cost does not grow with the swarm.
/// </summary>
internal sealed class TaskPageStore(IGrainStorage storage, GrainId swarm)
{
    private readonly Dictionary<int, GrainState<TaskPageState>> _pages = [];

    /// <summary>The swarm is new, so no page is stored and <see cref="LoadAsync"/> reads nothing.</summary>
    public bool NoneStored { get; init; }

    /// <summary>Reads pages 0, 1, … until one is missing (pages fill in order).</summary>
    public async Task<IReadOnlyList<TaskIndexEntry>> LoadAsync()
    {
        var entries = new List<TaskIndexEntry>();
        if (NoneStored)
        {
            return entries;
        }

        for (var page = 0; ; page++)
        {
            var state = new GrainState<TaskPageState>(new TaskPageState());
            await storage.ReadStateAsync(Name(page), swarm, state);
            state.State ??= new TaskPageState();
            _pages[page] = state; // keeps the row's version even for a cleared page, for the next write
            if (!state.RecordExists)
            {
                break;
            }

            entries.AddRange(state.State.Entries);
        }

        return entries;
    }

    /// <summary>Writes the given pages with the board's current entries for them, in parallel.</summary>
    public async Task WriteAsync(TaskBoard board, IReadOnlyCollection<int> pages)
    {
        if (pages.Count == 0)
        {
            return;
        }

        var written = pages.ToList();
        await Task.WhenAll(written.Select(page =>
        {
            if (!_pages.TryGetValue(page, out var state))
            {
                _pages[page] = state = new GrainState<TaskPageState>(new TaskPageState());
            }

            state.State = new TaskPageState { Entries = board.EntriesOnPage(page).ToList() };
            return storage.WriteStateAsync(Name(page), swarm, state);
        }));
        board.MarkWritten(written);
    }

    /// <summary>Deletes every page (the swarm is destroyed).</summary>
    public async Task ClearAsync()
    {
        await Task.WhenAll(_pages.Select(kv => storage.ClearStateAsync(Name(kv.Key), swarm, kv.Value)));
        _pages.Clear();
    }

    private static string Name(int page) => StorageNames.SwarmTaskPagePrefix + page.ToString(CultureInfo.InvariantCulture);
}
