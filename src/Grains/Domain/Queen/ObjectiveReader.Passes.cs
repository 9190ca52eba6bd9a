using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Queen;

/// <summary>Passes over the whole objective once every clause is read.</summary>
internal sealed partial class ObjectiveReader
{
    private ObjectiveReading Finish(string objective)
    {
        foreach (var first in _firsts)
        {
            var later = _all.Select(d => d.Id).Where(id => id > first.Max()).ToList();
            AddGroup(Exits(first), later, "first", silent: false);
        }

        ShareBareVerbs();
        ResolvePronouns();
        ResolveReferences();
        MergeDuplicates();

        if (Live().Count == 0)
        {
            var whole = new Deliverable(_all.Count, Cleanup.Bound(Cleanup.CollapseSpaces(objective), _maxText), ++_sentence);
            _all.Add(whole);
            _rationale.Add("split:none ← no sentence names a work verb or requirement: the objective is one task");
        }

        if (Live() is [{ Area.Signal: false } only])
        {
            _all.Add(new Deliverable(_all.Count, $"Research and scope: {only.Text}", only.Sentence));
            _rationale.Add("area:default ← no work-area verb or keyword: a research task scopes the objective before it is built");
        }

        MergeToLimit();

        var live = Live();
        var index = live.Select((d, i) => (d.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var order = new List<StatedEdge>();
        foreach (var group in _groups)
        {
            var before = group.Before.SelectMany(Resolve).Distinct().ToList();
            var after = group.After.SelectMany(Resolve).Distinct().ToList();
            var pairs = before.SelectMany(b => after.Where(a => a != b).Select(a => (b, a))).ToList();
            if (pairs.Count == 0)
            {
                continue;
            }

            order.AddRange(pairs.Select(p => new StatedEdge(index[p.b], index[p.a], group.Rule)));
            if (!group.Silent)
            {
                _rationale.Add(group.Rule switch
                {
                    "finally" => $"order:finally ← {Names(after)} after every earlier task",
                    "first" => $"order:first ← {Names(before)} before every later task",
                    _ => $"order:{group.Rule} ← {Names(before)} before {Names(after)}",
                });
            }
        }

        foreach (var d in live.Where(d => d.Text.Length > _maxText))
        {
            d.SetText(Cleanup.Bound(d.Text, _maxText), keepArea: true);
        }

        return new ObjectiveReading(live, order.Distinct().ToList(), _rationale);

        string Names(List<int> ids) => string.Join(", ", ids.Select(id => Quote(_all[id].Text)));
    }

    private List<Deliverable> Live() => _all.Where(d => !_alias.ContainsKey(d.Id)).ToList();

    private List<int> Resolve(int id) =>
        _alias.TryGetValue(id, out var targets) ? targets.SelectMany(Resolve).Distinct().ToList() : [id];

    /// <summary>"Research, implement and test a parser": bare verbs take the object of the next clause (else the previous one).</summary>
    private void ShareBareVerbs()
    {
        var shared = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var d in _all.Where(d => d is { Reference: false, Derived: false } && d.Verb.Length > 0 && d.Object.Length == 0))
        {
            var donor = _all.FirstOrDefault(e => e.Sentence == d.Sentence && e.Id > d.Id && e is { Reference: false, Derived: false } && e.Verb.Length > 0 && e.Object.Length > 0)
                        ?? _all.LastOrDefault(e => e.Id < d.Id && e is { Reference: false, Derived: false } && e.Verb.Length > 0 && e.Object.Length > 0);
            if (donor is null)
            {
                continue;
            }

            d.SetText($"{d.Verb} {donor.Object}");
            if (!shared.TryGetValue(donor.Object, out var verbs))
            {
                shared[donor.Object] = verbs = [];
            }

            verbs.Add(d.Verb);
        }

        foreach (var (obj, verbs) in shared)
        {
            _rationale.Add($"split:verbs ← {string.Join(", ", verbs.Select(v => $"'{v}'"))} share the object {Quote(obj)}");
        }
    }

    /// <summary>"Implement the parser and test it": "it"/"them" right after a verb becomes the previous object.</summary>
    private void ResolvePronouns()
    {
        Deliverable? donor = null;
        foreach (var d in _all)
        {
            var words = ClauseWords.First(d.Object, 1);
            var pronoun = words is ["it" or "them"];
            if (pronoun && d.Verb.Length > 0 && donor is not null)
            {
                var before = d.Text;
                var rest = d.Object[(d.Object.IndexOf(words[0], StringComparison.OrdinalIgnoreCase) + words[0].Length)..];
                d.SetText($"{d.Verb} {The(donor.Object)}{rest}");
                _rationale.Add($"text:pronoun ← {Quote(before)} → {Quote(d.Text)}");
            }

            if (d is { Reference: false, Derived: false } && d.Verb.Length > 0 && d.Object.Length > 0
                && ClauseWords.First(d.Object, 1) is not ["it" or "them"])
            {
                donor = d;
            }
        }
    }

    /// <summary>
    /// A reference ("after the parser is tested") that matches deliverables of its area containing its words
    /// stands for them; otherwise a named piece of work becomes a task and a bare noun or state is dropped.
    /// </summary>
    private void ResolveReferences()
    {
        foreach (var reference in _all.Where(d => d.Reference).ToList())
        {
            var partner = reference.Uncut?.Partner;
            var needed = reference.ReferenceStems();

            // A noun names its work: "the migration" is a deliverable that says "migration" or starts with "migrate".
            var nouns = reference.NounReference
                ? TextTokens.Words(reference.Text).Select(TextTokens.Stem).Where(WorkAreas.NounVerbs.ContainsKey).ToList()
                : [];
            var matches = _all
                .Where(d => !d.Reference && d.Id != partner && !_alias.ContainsKey(d.Id) && d.Area.Area == reference.Area.Area
                            && needed.IsSubsetOf(d.Stems)
                            && (nouns.Count == 0 || nouns.Any(n => d.Stems.Contains(n) || d.Verb.Equals(WorkAreas.NounVerbs[n], StringComparison.OrdinalIgnoreCase))))
                .Select(d => d.Id)
                .ToList();
            if (matches.Count > 0)
            {
                _alias[reference.Id] = matches;
                _rationale.Add($"merge:reference ← {Quote(reference.Text)} is {string.Join(", ", matches.Select(m => Quote(_all[m].Text)))}");
            }
            else if (reference.NounReference)
            {
                _alias[reference.Id] = [];
                if (reference.Uncut is { } uncut)
                {
                    _all[uncut.Partner].SetText(Clean(uncut.Text), keepArea: true);
                }

                _rationale.Add($"merge:reference ← {Quote(reference.Text)} names no task: kept as part of the text");
            }
        }
    }

    private void MergeDuplicates()
    {
        var first = new Dictionary<string, Deliverable>(StringComparer.Ordinal);
        var repeats = new SortedDictionary<int, int>();
        foreach (var d in Live())
        {
            var key = d.Area.Area.Name + "|" + string.Join(' ', d.Stems.Order(StringComparer.Ordinal));
            if (first.TryAdd(key, d))
            {
                continue;
            }

            _alias[d.Id] = [first[key].Id];
            repeats[first[key].Id] = repeats.GetValueOrDefault(first[key].Id) + 1;
        }

        foreach (var (kept, count) in repeats)
        {
            _rationale.Add($"merge:duplicate ← {Quote(_all[kept].Text)} repeated {count} more time(s): one task");
        }
    }

    /// <summary>
    /// More deliverables than the limit: the area with the most merges two of its neighbouring deliverables
    /// (the pair with the shortest joined text, so merges spread evenly) until the plan fits.
    /// </summary>
    private void MergeToLimit()
    {
        var start = Live().Count;
        if (start <= _maxDeliverables)
        {
            return;
        }

        var merged = new Dictionary<WorkArea, int>();
        while (Live() is { } live && live.Count > _maxDeliverables)
        {
            var area = live.GroupBy(d => d.Area.Area)
                .OrderByDescending(g => g.Count())
                .ThenBy(g => WorkAreas.All.ToList().IndexOf(g.Key))
                .First()
                .ToList();
            var pair = Enumerable.Range(0, area.Count - 1)
                .OrderBy(i => area[i].Text.Length + area[i + 1].Text.Length)
                .ThenBy(i => i)
                .First();
            var (keep, fold) = (area[pair], area[pair + 1]);
            keep.SetText(Cleanup.Bound($"{keep.Text}; {fold.Text}", _maxText), keepArea: true);
            _alias[fold.Id] = [keep.Id];
            merged[area[0].Area.Area] = merged.GetValueOrDefault(area[0].Area.Area) + 1;
        }

        var detail = string.Join(", ", merged.Select(m => $"{m.Value} {m.Key.Name}"));
        _rationale.Add($"merge:limit ← {start} deliverables exceed MaxPlannedTasks {_maxDeliverables}: merged {detail} item(s) into a neighbour of the same area");
    }
}
