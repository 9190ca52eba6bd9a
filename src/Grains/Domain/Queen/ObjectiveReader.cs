using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Queen;

/// <summary>An order the objective states between two deliverables (indexes into the reading's list).</summary>
internal readonly record struct StatedEdge(int Before, int After, string Rule);

/// <summary>What the reader found: deliverables in text order, the order the text states, and the rules that fired.</summary>
internal sealed record ObjectiveReading(
    IReadOnlyList<Deliverable> Deliverables,
    IReadOnlyList<StatedEdge> Order,
    IReadOnlyList<string> Rationale);

/// <summary>
/// Reads an objective into deliverables and the order it states. The rules are listed on
/// <see cref="ObjectivePlanner"/>; this type only applies them. One instance reads one objective. Parts:
/// structure (lines, lists, sentences), clauses (connectors, clause lists, references, tails), and passes over
/// the whole objective (shared objects, pronouns, references, duplicates, the task limit).
/// </summary>
internal sealed partial class ObjectiveReader
{
    private const int QuoteChars = 50;

    private static readonly HashSet<string> ContextLabels = new(StringComparer.Ordinal)
    {
        "context", "background", "note", "notes", "fyi", "why", "motivation", "problem", "assumption",
        "assumptions", "constraint", "constraints", "non-goal", "non-goals", "non goals", "out of scope",
        "current state", "status", "today", "situation", "nb", "ps",
    };

    private static readonly HashSet<string> OrderedIntroWords = new(StringComparer.Ordinal)
    {
        "step", "steps", "order", "sequence", "sequential", "sequentially", "stage", "stages", "phase", "phases",
        "procedure", "turn",
    };

    private static readonly HashSet<string> UnorderedIntroWords = new(StringComparer.Ordinal)
    {
        "requirement", "requirements", "deliverable", "deliverables", "feature", "features", "goal", "goals",
        "criteria", "parallel", "independent", "independently", "wishlist", "ideas", "any",
    };

    private static readonly HashSet<string> Modals = new(StringComparer.Ordinal)
    {
        "must", "should", "shall", "need", "needs", "required", "require", "requires",
    };

    private static readonly HashSet<string> Subjects = new(StringComparer.Ordinal) { "we", "you", "they", "i", "someone" };

    private static readonly HashSet<string> Auxiliaries = new(StringComparer.Ordinal)
    {
        "is", "are", "was", "were", "been", "gets", "get", "got", "be", "looks", "look", "seems", "goes", "go",
    };

    private static readonly HashSet<string> StateWords = new(StringComparer.Ordinal)
    {
        "done", "complete", "completed", "finished", "ready", "merged", "approved", "landed", "green", "live",
        "stable", "passing", "pass", "in", "place", "available", "over", "clean", "good", "fine", "out", "looks",
    };

    /// <summary>Stems of words that only say a piece of work is finished ("done", "in place").</summary>
    public static readonly IReadOnlySet<string> StateStems = TextTokens.StemSet(StateWords);

    /// <summary>Areas a "with … " tail may split off: the supporting work around a deliverable.</summary>
    private static readonly HashSet<WorkArea> TailAreas =
        [WorkAreas.Testing, WorkAreas.Optimization, WorkAreas.Documentation, WorkAreas.Review];

    private static readonly string[][] ThenPrefixes =
        [["then"], ["next"], ["afterwards"], ["afterward"], ["after", "that"], ["after", "this"], ["subsequently"], ["and", "then"]];

    private static readonly string[][] FinallyPrefixes =
        [["finally"], ["lastly"], ["last"], ["at", "the", "end"], ["in", "the", "end"], ["to", "finish"], ["to", "wrap", "up"]];

    private static readonly string[][] FirstPrefixes =
    [
        ["first", "of", "all"], ["first"], ["firstly"], ["to", "start"], ["to", "begin"], ["start", "by"],
        ["begin", "by"], ["start", "with"], ["begin", "with"], ["initially"], ["before", "anything", "else"],
    ];

    private static readonly string[][] NeutralPrefixes =
    [
        ["please"], ["also"], ["additionally"], ["and"], ["now"], ["secondly"], ["thirdly"], ["so"],
        ["we", "need", "to"], ["we", "should"], ["we", "must"], ["we", "want", "to"], ["we'd", "like", "to"],
        ["we", "would", "like", "to"], ["we", "have", "to"], ["i", "want", "to"], ["i", "need", "to"],
        ["i'd", "like", "to"], ["i", "would", "like", "to"], ["i", "need", "you", "to"], ["you", "should"],
        ["you", "need", "to"], ["you", "must"], ["you", "have", "to"], ["let's"], ["let", "us"],
        ["make", "sure", "to"], ["be", "sure", "to"], ["remember", "to"], ["don't", "forget", "to"],
        ["go", "ahead", "and"], ["can", "you"], ["could", "you"], ["the", "goal", "is", "to"],
        ["the", "task", "is", "to"], ["your", "task", "is", "to"], ["goal", "is", "to"], ["try", "to"],
    ];

    private enum Connector { None, Then, Finally, First }

    private enum ReferenceKind { None, Verb, Passive, State, Noun }

    private enum SegmentKind { Prose, Item, Heading, Blank }

    private sealed class Segment(SegmentKind kind, string text, int indent = 0, bool numbered = false, bool step = false)
    {
        public SegmentKind Kind { get; } = kind;
        public string Text { get; set; } = text;
        public int Indent { get; } = indent;
        public bool Numbered { get; } = numbered;
        public bool Step { get; } = step;
    }

    private sealed record Group(List<int> Before, List<int> After, string Rule, bool Silent);

    private readonly int _maxDeliverables;
    private readonly int _maxText;
    private readonly List<Deliverable> _all = [];
    private readonly List<Group> _groups = [];
    private readonly List<(int Before, int After)> _edges = [];
    private readonly List<string> _rationale = [];
    private readonly List<List<int>> _firsts = [];
    private readonly Dictionary<int, List<int>> _alias = [];
    private List<int>? _previousUnit;
    private int _sentence;

    /// <summary>The area of the heading the current text sits under, when the heading names one.</summary>
    private AreaReading? _heading;

    private ObjectiveReader(int maxDeliverables, int maxText)
    {
        _maxDeliverables = maxDeliverables;
        _maxText = maxText;
    }

    public static ObjectiveReading Read(string objective, int maxDeliverables, int maxText)
    {
        var reader = new ObjectiveReader(maxDeliverables, maxText);
        var text = objective.Replace('’', '\'');
        reader.ReadSegments(Segments(text));
        return reader.Finish(text);
    }

    private static int? ColonIndex(string text) =>
        ClauseWords.Tokens(text).FirstOrDefault(t => t.Depth == 0 && t.Text == ":") is { Text: ":" } colon ? colon.Start : null;

    private static string TrimPunctuation(string text) => text.Trim().TrimEnd('.', ';', ':', '!', '?', ',').Trim();

    /// <summary>Whether the text starts with a work verb (after fillers): only its first words are read.</summary>
    private static bool StartsWithVerb(string text)
    {
        var words = ClauseWords.First(text, 12);
        return WorkVerbs.Imperative(words, ClauseWords.SkipFillers(words, 0)) is not null;
    }

    /// <summary>Removes leading connectors and polite or modal openers; reports the order connector seen.</summary>
    private static (string Text, Connector Connector) StripPrefixes(string text)
    {
        var connector = Connector.None;
        var byGerund = false;
        while (FindPrefix(text) is { } found)
        {
            var rest = text[found.End..].TrimStart().TrimStart(',').TrimStart();
            if (rest.Length == 0)
            {
                break;
            }

            connector = connector == Connector.None ? found.Kind : connector;
            byGerund |= found.ByGerund;
            text = rest;
        }

        // "Start by writing tests": the gerund is the deliverable's verb.
        var words = ClauseWords.Tokens(text).Where(t => t.IsWord).ToList();
        if (byGerund && words.Count > 0 && WorkVerbs.BaseOfGerund(words[0].Lower) is { } verb)
        {
            text = verb + text[words[0].End..];
        }

        return (text, connector);
    }

    private static readonly (string[][] Prefixes, Connector Kind)[] PrefixTable =
    [
        (ThenPrefixes, Connector.Then), (FinallyPrefixes, Connector.Finally), (FirstPrefixes, Connector.First),
        (NeutralPrefixes, Connector.None),
    ];

    private static (int End, Connector Kind, bool ByGerund)? FindPrefix(string text)
    {
        var tokens = ClauseWords.Tokens(text);
        if (tokens.Count < 2 || !tokens[0].IsWord)
        {
            return null;
        }

        var words = tokens.Where(t => t.IsWord).ToList();
        foreach (var (prefixes, kind) in PrefixTable)
        {
            foreach (var prefix in prefixes)
            {
                if (words.Count <= prefix.Length || prefix.Where((w, i) => words[i].Lower != w).Any())
                {
                    continue;
                }

                // "next", "first" and "last" before a noun ("next release") are not connectors.
                if (prefix is ["next"] or ["first"] or ["last"]
                    && tokens[1].Text != "," && WorkVerbs.Imperative(words.Select(w => w.Lower).ToList(), 1) is null)
                {
                    continue;
                }

                return (words[prefix.Length - 1].End, kind, prefix is ["start", "by"] or ["begin", "by"]);
            }
        }

        return null;
    }

    private static string The(string phrase)
    {
        var words = ClauseWords.Tokens(phrase);
        return words.Count > 0 && words[0].Lower is "a" or "an" ? "the" + phrase[words[0].End..] : phrase;
    }

    private static string Quote(string text) => $"'{Cleanup.Bound(Cleanup.CollapseSpaces(text.Trim()), QuoteChars)}'";

    // ---- Deliverables and stated order ----

    private static readonly (string[] Words, Connector Kind)[] TrailingConnectors =
    [
        (["first"], Connector.First), (["afterwards"], Connector.Then), (["afterward"], Connector.Then),
        (["after", "that"], Connector.Then), (["later"], Connector.Then), (["last"], Connector.Finally),
        (["at", "the", "end"], Connector.Finally), (["finally"], Connector.Finally),
    ];

    /// <summary>Adds the deliverable a clause names; nothing when only connectors or punctuation are left.</summary>
    private List<int> Add(string text, AreaReading? area = null, bool derived = false)
    {
        var (clean, trailing) = StripTrailingConnector(Clean(text));
        if (!clean.Any(char.IsLetterOrDigit))
        {
            return [];
        }

        var deliverable = new Deliverable(_all.Count, clean, _sentence, area, derived);
        if (_heading is { } heading)
        {
            deliverable.Inherit(heading);
        }

        _all.Add(deliverable);
        var id = deliverable.Id;
        switch (trailing)
        {
            case Connector.First:
                _firsts.Add([id]);
                break;
            case Connector.Then:
                var sameSentence = _all.Where(d => d.Sentence == _sentence && d.Id < id).Select(d => d.Id).ToList();
                var previous = sameSentence.Count > 0 ? sameSentence : _previousUnit;
                if (previous is not null)
                {
                    AddGroup(Exits(previous), [id], "then", silent: false);
                }

                break;
            case Connector.Finally:
                AddGroup(_all.Select(d => d.Id).Where(i => i < id).ToList(), [id], "finally", silent: false);
                break;
        }

        return [id];
    }

    /// <summary>"Write the tests first", "measure it again afterwards": a connector at the end of a clause.</summary>
    private static (string Text, Connector Kind) StripTrailingConnector(string text)
    {
        var tokens = ClauseWords.Tokens(text);
        foreach (var (words, kind) in TrailingConnectors)
        {
            var start = tokens.Count - words.Length;
            if (start < 2 || !tokens[start - 1].IsWord || words.Where((w, i) => tokens[start + i].Lower != w || tokens[start + i].Depth > 0).Any())
            {
                continue;
            }

            return (Clean(text[..tokens[start].Start]), kind);
        }

        return (text, Connector.None);
    }

    private int? AddReference(string text, ReferenceKind kind, (int Partner, string Text)? uncut)
    {
        var clean = Clean(text);
        if (!clean.Any(char.IsLetterOrDigit))
        {
            return null;
        }

        var deliverable = new Deliverable(_all.Count, clean, _sentence)
        {
            Reference = true,
            NounReference = kind is ReferenceKind.Noun or ReferenceKind.State,
            Uncut = uncut,
        };
        _all.Add(deliverable);
        return deliverable.Id;
    }

    /// <summary>Drops leading separators and connectors and trailing punctuation.</summary>
    private static string Clean(string text)
    {
        var tokens = ClauseWords.Tokens(text);
        var first = 0;
        while (first < tokens.Count && (tokens[first].Text is "," or ";" or ":" or "-" or "–" or "—"
                                        || (tokens[first].IsWord && tokens[first].Lower is "and" or "then" or "also" or "finally" or "lastly" or "next" or "afterwards" or "additionally" or "please" or "now" or "so")))
        {
            first++;
        }

        var last = tokens.Count - 1;
        while (last >= first && tokens[last].Text is "," or ";" or ":" or "." or "!" or "?")
        {
            last--;
        }

        return last < first ? "" : Cleanup.CollapseSpaces(text[tokens[first].Start..tokens[last].End]);
    }

    private void AddGroup(List<int> before, List<int> after, string rule, bool silent)
    {
        if (before.Count == 0 || after.Count == 0)
        {
            return;
        }

        _groups.Add(new Group(before, after, rule, silent));
        foreach (var b in before)
        {
            foreach (var a in after)
            {
                if (a != b)
                {
                    _edges.Add((b, a));
                }
            }
        }
    }

    private List<int> Entries(List<int> ids) => ids.Where(id => !_edges.Any(e => e.After == id && ids.Contains(e.Before))).ToList();

    private List<int> Exits(List<int> ids) => ids.Where(id => !_edges.Any(e => e.Before == id && ids.Contains(e.After))).ToList();

    private void Connect(List<int> ids, Connector connector)
    {
        if (ids.Count == 0)
        {
            return;
        }

        switch (connector)
        {
            case Connector.Then when _previousUnit is not null:
                AddGroup(Exits(_previousUnit), Entries(ids), "then", silent: false);
                break;
            case Connector.Finally:
                AddGroup(_all.Select(d => d.Id).Where(id => id < ids.Min()).ToList(), Entries(ids), "finally", silent: false);
                break;
            case Connector.First:
                _firsts.Add(ids);
                break;
        }

        _previousUnit = ids;
    }
}
