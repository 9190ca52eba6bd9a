using System.Globalization;
using Orleans.Storage;

namespace SwarmCluster.Grains.State;

/// <summary>
/// An ordered set of ids stored in rows of at most <see cref="PageSize"/> ids (the "&lt;prefix&gt;n" states of the
/// owning grain). Adding or removing an id rewrites one row, so the cost does not grow with the list; a freed place
/// is reused by the next id, so the rows stay as few as the ids need. Order is registration order, kept by a
/// sequence number per id.
/// </summary>
internal sealed class PagedIdList(IGrainStorage storage, GrainId owner, string prefix)
{
    public const int PageSize = 128;

    private readonly List<GrainState<RegistryPageState>> _pages = [];
    private readonly Dictionary<string, (int Page, long Sequence)> _where = new(StringComparer.Ordinal);
    // Sequences only grow, so an add appends to the end of this array-backed list.
    private readonly SortedList<long, string> _ordered = [];
    private long _nextSequence;

    public int Count => _where.Count;

    public bool Contains(string id) => _where.ContainsKey(id);

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<string> Items => _ordered.Values.ToList();

    public string? Newest => _ordered.Count > 0 ? _ordered.Values[^1] : null;

    /// <summary>At most <paramref name="count"/> ids, newest first.</summary>
    public IReadOnlyList<string> NewestFirst(int count)
    {
        var values = _ordered.Values;
        var take = Math.Clamp(count, 0, values.Count);
        var ids = new string[take];
        for (var i = 0; i < take; i++)
            ids[i] = values[values.Count - 1 - i];
        return ids;
    }

    /// <summary>Reads pages 0, 1, … until one was never written (a page once written stays, emptied or not).</summary>
    public async Task LoadAsync()
    {
        for (var page = 0; ; page++)
        {
            var row = new GrainState<RegistryPageState>(new RegistryPageState());
            await storage.ReadStateAsync(Name(page), owner, row);
            if (!row.RecordExists)
            {
                return;
            }

            row.State ??= new RegistryPageState();
            _pages.Add(row);
            foreach (var entry in row.State.Entries)
            {
                _where[entry.Id] = (page, entry.Sequence);
                _ordered[entry.Sequence] = entry.Id;
                _nextSequence = Math.Max(_nextSequence, entry.Sequence + 1);
            }
        }
    }

    /// <summary>Adds the id in the first page with room (false if present); the page is written before this returns.</summary>
    public async Task<bool> AddAsync(string id)
    {
        if (_where.ContainsKey(id))
        {
            return false;
        }

        var page = _pages.FindIndex(p => p.State!.Entries.Count < PageSize);
        if (page < 0)
        {
            page = _pages.Count;
            _pages.Add(new GrainState<RegistryPageState>(new RegistryPageState()));
        }

        var entries = _pages[page].State!.Entries;
        var entry = new RegistryPageEntry { Id = id, Sequence = _nextSequence };
        entries.Add(entry);
        try
        {
            await storage.WriteStateAsync(Name(page), owner, _pages[page]);
        }
        catch
        {
            entries.Remove(entry); // not stored, so not listed (a write of unknown outcome deactivates the owner)
            throw;
        }

        _where[id] = (page, entry.Sequence);
        _ordered[entry.Sequence] = id;
        _nextSequence++;
        return true;
    }

    /// <summary>Removes the id (false if absent); its page is written before this returns.</summary>
    public async Task<bool> RemoveAsync(string id)
    {
        if (!_where.TryGetValue(id, out var where))
        {
            return false;
        }

        var entries = _pages[where.Page].State!.Entries;
        var index = entries.FindIndex(e => e.Sequence == where.Sequence);
        var entry = entries[index];
        entries.RemoveAt(index);
        try
        {
            await storage.WriteStateAsync(Name(where.Page), owner, _pages[where.Page]);
        }
        catch
        {
            entries.Insert(index, entry);
            throw;
        }

        _where.Remove(id);
        _ordered.Remove(where.Sequence);
        return true;
    }

    private string Name(int page) => prefix + page.ToString(CultureInfo.InvariantCulture);
}
