using System.Text.RegularExpressions;
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
/// <see cref="ObjectivePlanner"/>; this type only applies them. One instance reads one objective.
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

    // ---- Structure: lines, lists, paragraphs ----

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.*)$")]
    private static partial Regex HeadingLine();

    [GeneratedRegex(@"^(?<indent>\s*)(?:(?<num>\d{1,2})[.)]|\((?<num>\d{1,2})\)|(?<bullet>[-*•+])|(?<step>[Ss]tep|[Pp]hase|[Ss]tage)\s+(?<num>\d{1,2})\s*[:.)\-])\s+(?<text>\S.*)$")]
    private static partial Regex ItemLine();

    [GeneratedRegex(@"(?<=^|[\s:;,])\(?(?<num>\d{1,2})[.)]\s+")]
    private static partial Regex InlineMarker();

    private static List<Segment> Segments(string text)
    {
        var segments = new List<Segment>();
        foreach (var line in text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n'))
        {
            var trimmed = line.Trim();
            var last = segments.Count > 0 ? segments[^1] : null;
            if (trimmed.Length == 0)
            {
                if (last is { Kind: not SegmentKind.Blank })
                {
                    segments.Add(new Segment(SegmentKind.Blank, ""));
                }

                continue;
            }

            if (HeadingLine().Match(trimmed) is { Success: true } heading)
            {
                segments.Add(new Segment(SegmentKind.Heading, heading.Groups["text"].Value.Trim()));
            }
            else if (ItemLine().Match(line) is { Success: true } item)
            {
                var indent = item.Groups["indent"].Value.Replace("\t", "    ").Length;
                segments.Add(new Segment(SegmentKind.Item, item.Groups["text"].Value.Trim(), indent,
                    item.Groups["num"].Success, item.Groups["step"].Success));
            }
            else if (last is { Kind: SegmentKind.Item } && char.IsWhiteSpace(line[0]))
            {
                last.Text += " " + trimmed; // an indented continuation of a list item
            }
            else if (last is { Kind: SegmentKind.Prose } && char.IsLower(trimmed[0]))
            {
                last.Text += " " + trimmed; // hard-wrapped prose
            }
            else
            {
                segments.Add(new Segment(SegmentKind.Prose, trimmed));
            }
        }

        // Inline numbered steps: "Plan: 1) research X 2) build Y" becomes an intro and a numbered list.
        var expanded = new List<Segment>();
        foreach (var segment in segments)
        {
            if (segment.Kind == SegmentKind.Prose && InlineSteps(segment.Text) is { } inline)
            {
                expanded.Add(new Segment(SegmentKind.Blank, ""));
                expanded.Add(new Segment(SegmentKind.Heading, inline.Intro));
                expanded.AddRange(inline.Items.Select(i => new Segment(SegmentKind.Item, i, 0, numbered: true)));
                expanded.Add(new Segment(SegmentKind.Blank, ""));
            }
            else
            {
                expanded.Add(segment);
            }
        }

        return expanded;
    }

    /// <summary>Markers 1, 2, 3 … in sequence inside one line (at least two), else null.</summary>
    private static (string Intro, List<string> Items)? InlineSteps(string line)
    {
        var markers = new List<Match>();
        foreach (Match match in InlineMarker().Matches(line))
        {
            if (int.Parse(match.Groups["num"].Value, System.Globalization.CultureInfo.InvariantCulture) == markers.Count + 1)
            {
                markers.Add(match);
            }
        }

        if (markers.Count < 2)
        {
            return null;
        }

        var items = new List<string>();
        for (var i = 0; i < markers.Count; i++)
        {
            var start = markers[i].Index + markers[i].Length;
            var end = i + 1 < markers.Count ? markers[i + 1].Index : line.Length;
            var item = line[start..end].Trim().TrimEnd(',', ';').Trim();
            if (item.EndsWith(" and", StringComparison.OrdinalIgnoreCase))
            {
                item = item[..^4].TrimEnd().TrimEnd(',');
            }

            items.Add(item);
        }

        return (line[..markers[0].Index].Trim(), items);
    }

    private void ReadSegments(List<Segment> segments)
    {
        string? intro = null;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            var next = NextNonBlank(segments, i + 1);
            var listFollows = next is { } n && segments[n].Kind == SegmentKind.Item;
            switch (segment.Kind)
            {
                case SegmentKind.Blank:
                    break;
                case SegmentKind.Heading:
                    if (listFollows)
                    {
                        intro = segment.Text;
                    }
                    else if (segment.Text.Length > 0)
                    {
                        _rationale.Add($"split:heading ← {Quote(segment.Text)} is a heading, not a task");
                    }

                    break;
                case SegmentKind.Prose:
                    var sentences = Sentences(segment.Text);
                    if (listFollows && sentences.Count > 0 && IsIntro(sentences[^1]))
                    {
                        intro = sentences[^1];
                        sentences.RemoveAt(sentences.Count - 1);
                    }

                    foreach (var sentence in sentences)
                    {
                        ReadSentence(sentence, isItem: false);
                    }

                    break;
                case SegmentKind.Item:
                    var items = new List<Segment>();
                    var j = i;
                    for (; j < segments.Count; j++)
                    {
                        if (segments[j].Kind == SegmentKind.Item)
                        {
                            items.Add(segments[j]);
                        }
                        else if (segments[j].Kind != SegmentKind.Blank || NextNonBlank(segments, j + 1) is not { } k || segments[k].Kind != SegmentKind.Item)
                        {
                            break;
                        }
                    }

                    var listIntro = intro;
                    UnderHeading(listIntro, () =>
                    {
                        ReadList(items, listIntro);
                        return [];
                    });
                    intro = null;
                    i = j - 1;
                    break;
            }
        }
    }

    private static int? NextNonBlank(List<Segment> segments, int from)
    {
        for (var i = from; i < segments.Count; i++)
        {
            if (segments[i].Kind != SegmentKind.Blank)
            {
                return i;
            }
        }

        return null;
    }

    private static bool IsIntro(string sentence)
    {
        var trimmed = sentence.TrimEnd();
        if (trimmed.EndsWith(':'))
        {
            return true;
        }

        var words = ClauseWords.Lower(trimmed);
        return words.Contains("following") || words.Contains("below");
    }

    private void ReadList(List<Segment> items, string? intro)
    {
        var introWords = intro is null ? [] : ClauseWords.Lower(intro);
        var numbered = items[0].Numbered;
        var step = items.Any(i => i.Step);
        var unorderedByIntro = introWords.Any(UnorderedIntroWords.Contains);
        var orderedByIntro = !unorderedByIntro && introWords.Any(OrderedIntroWords.Contains);
        var ordered = step || orderedByIntro || (numbered && !unorderedByIntro);
        var kind = numbered ? "numbered" : "bulleted";
        _rationale.Add($"split:list ← {items.Count} {kind} items" + (intro is null ? "" : $" under {Quote(intro)}"));
        if (ordered)
        {
            var why = step ? "'step'/'phase' items" : orderedByIntro ? $"the intro says so ({Quote(introWords.First(OrderedIntroWords.Contains))})" : "numbered items";
            _rationale.Add($"order:steps ← {why}: each item starts after the previous one");
        }
        else if (numbered)
        {
            _rationale.Add($"order:none ← the intro says {Quote(introWords.First(UnorderedIntroWords.Contains))}: the items come in no order");
        }

        List<int>? previous = null;
        for (var i = 0; i < items.Count; i++)
        {
            // An item with indented items under it is their heading.
            if (i + 1 < items.Count && items[i + 1].Indent > items[i].Indent)
            {
                _rationale.Add($"split:heading ← {Quote(items[i].Text)} heads the items under it");
                continue;
            }

            var ids = new List<int>();
            foreach (var sentence in Sentences(items[i].Text))
            {
                ids.AddRange(ReadSentence(sentence, isItem: true));
            }

            if (ids.Count == 0)
            {
                continue;
            }

            if (ordered && previous is not null)
            {
                AddGroup(Exits(previous), Entries(ids), "steps", silent: true);
            }

            previous = ids;
        }
    }

    /// <summary>
    /// Sentences: split after . ! ? followed by a space and a capital, digit or opening mark, and at every
    /// semicolon, never inside brackets, quotes or backticks, never after an abbreviation (e.g., i.e., etc.).
    /// </summary>
    private static List<string> Sentences(string text)
    {
        var sentences = new List<string>();
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '(' or '[' or '{':
                    depth++;
                    continue;
                case ')' or ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    continue;
                case '"' or '`':
                    quoted = !quoted;
                    continue;
            }

            if (depth > 0 || quoted)
            {
                continue;
            }

            var boundary = c == ';'
                           || (c is '.' or '!' or '?'
                               && i + 2 < text.Length && char.IsWhiteSpace(text[i + 1])
                               && (char.IsUpper(text[i + 2]) || char.IsDigit(text[i + 2]) || text[i + 2] is '"' or '(' or '`' or '*')
                               && !IsAbbreviation(text, i));
            if (boundary)
            {
                sentences.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }

        sentences.Add(text[start..]);
        return sentences.Select(s => s.Trim()).Where(s => s.Any(char.IsLetterOrDigit)).ToList();
    }

    private static bool IsAbbreviation(string text, int dot)
    {
        var start = dot;
        while (start > 0 && (char.IsLetter(text[start - 1]) || text[start - 1] == '.'))
        {
            start--;
        }

        var word = text[start..dot].ToLowerInvariant();
        return word is "e.g" or "i.e" or "etc" or "vs" or "approx" or "incl" or "cf" or "eg" or "ie" or "no" || word.Length == 1;
    }

    // ---- Sentences and clauses ----

    private List<int> ReadSentence(string sentence, bool isItem)
    {
        _sentence++;
        var text = TrimPunctuation(sentence);
        if (text.Length == 0)
        {
            return [];
        }

        // "Label: rest" — a context label drops the sentence; a heading before a work verb is dropped.
        if (ColonIndex(text) is { } colon)
        {
            var head = text[..colon].Trim();
            var rest = text[(colon + 1)..].Trim();
            var headWords = ClauseWords.Lower(head);
            if (headWords.Count <= 4 && ContextLabels.Contains(string.Join(' ', headWords)))
            {
                _rationale.Add($"skip:context ← {Quote(text)} (labelled '{head}')");
                return [];
            }

            if (rest.Length > 0 && StartsWithVerb(StripPrefixes(rest).Text))
            {
                _rationale.Add($"split:heading ← {Quote(head + ":")} introduces what follows");
                text = rest;
                return UnderHeading(head, () => ReadClauses(text, isItem));
            }
        }

        return ReadClauses(text, isItem);
    }

    private List<int> ReadClauses(string text, bool isItem)
    {
        var (body, connector) = StripPrefixes(text);
        if (body.Length == 0)
        {
            return [];
        }

        var ids = ReadOpener(body, isItem, connector) ?? ReadBody(body, isItem, connector != Connector.None);
        Connect(ids, connector);
        return ids;
    }

    /// <summary>Reads text under a heading: clauses that only got a default area take the heading's.</summary>
    private List<int> UnderHeading(string? heading, Func<List<int>> read)
    {
        var outer = _heading;
        var area = heading is null ? null : WorkAreas.Classify(heading);
        if (area is { Signal: true, Defaulted: false })
        {
            _heading = area with { Evidence = $"under the heading {Quote(heading!)} ({area.Evidence})" };
        }

        try
        {
            return read();
        }
        finally
        {
            _heading = outer;
        }
    }

    /// <summary>"After/Once/When X, Y" and "Before X, Y": X becomes a reference ordered with Y.</summary>
    private List<int>? ReadOpener(string body, bool isItem, Connector connector)
    {
        var tokens = ClauseWords.Tokens(body);
        if (tokens.Count == 0 || !tokens[0].IsWord || tokens[0].Lower is not ("after" or "once" or "when" or "before"))
        {
            return null;
        }

        var comma = tokens.FindIndex(1, t => t.Depth == 0 && t.Text == ",");
        if (comma < 2 || comma + 1 >= tokens.Count)
        {
            return null;
        }

        var condition = body[tokens[1].Start..tokens[comma - 1].End];
        var (main, _) = StripPrefixes(body[tokens[comma + 1].Start..]);
        var (kind, referenceText) = ReadReference(condition);
        if (kind == ReferenceKind.None || main.Length == 0)
        {
            // A condition that names no work ("Before the deadline, …", "When a user logs in, …") stays in
            // the text of the first clause it governs.
            if (!StartsWithVerb(main))
            {
                return null;
            }

            var governed = ReadBody(main, isItem, connector != Connector.None);
            var first = _all[governed[0]];
            first.SetText($"{body[..tokens[comma].End]} {char.ToLowerInvariant(first.Text[0])}{first.Text[1..]}", keepArea: true);
            return governed;
        }

        var before = tokens[0].Lower == "before";
        var reference = AddReference(referenceText, kind, null);
        var mainIds = ReadBody(main, isItem, connector != Connector.None);
        if (mainIds.Count == 0)
        {
            return [reference];
        }

        if (kind is ReferenceKind.State or ReferenceKind.Noun && mainIds.Count == 1)
        {
            _all[reference].Uncut = (mainIds[0], body);
        }

        var rule = before ? "before" : "after";
        if (before)
        {
            AddGroup(Exits(mainIds), [reference], rule, silent: false);
        }
        else
        {
            AddGroup([reference], Entries(mainIds), rule, silent: false);
        }

        return [reference, .. mainIds];
    }

    private List<int> ReadBody(string body, bool isItem, bool hasConnector)
    {
        if (!StartsWithVerb(body))
        {
            if (isItem || hasConnector || ClauseWords.Lower(body).Any(Modals.Contains))
            {
                return [Add(body)];
            }

            _rationale.Add($"skip:context ← {Quote(body)} names no work verb or requirement");
            return [];
        }

        var ids = new List<int>();
        List<int>? previousStage = null;
        foreach (var (stage, rule) in Stages(body))
        {
            var stageIds = new List<int>();
            foreach (var piece in Pieces(stage))
            {
                stageIds.AddRange(ReadPiece(piece));
            }

            if (stageIds.Count == 0)
            {
                continue;
            }

            if (previousStage is not null)
            {
                if (rule == "finally")
                {
                    AddGroup(_all.Select(d => d.Id).Where(id => id < stageIds.Min()).ToList(), Entries(stageIds), "finally", silent: false);
                }
                else
                {
                    AddGroup(Exits(previousStage), Entries(stageIds), "then", silent: false);
                }
            }

            previousStage = stageIds;
            ids.AddRange(stageIds);
        }

        return ids;
    }

    /// <summary>Stages separated by then / and then / afterwards / after that / followed by / finally / next.</summary>
    private static List<(string Text, string? Rule)> Stages(string body)
    {
        var tokens = ClauseWords.Tokens(body);
        var conditional = tokens.Count > 0 && tokens[0].Lower is "if" or "when" or "whenever" or "unless";
        var stages = new List<(string, string?)>();
        var stageStart = 0;
        string? pendingRule = null;
        for (var k = 1; k < tokens.Count; k++)
        {
            var token = tokens[k];
            if (token.Depth > 0 || !token.IsWord)
            {
                continue;
            }

            var word = token.Lower;
            var nextWord = k + 1 < tokens.Count ? tokens[k + 1].Lower : "";
            var previous = tokens[k - 1].Lower;
            string? rule = null;
            var end = k + 1;
            if (word == "then" && !conditional)
            {
                rule = "then";
            }
            else if (word is "afterwards" or "afterward" or "subsequently")
            {
                rule = "then";
            }
            else if (word == "after" && nextWord is "that" or "this" or "which")
            {
                rule = "then";
                end = k + 2;
            }
            else if (word == "followed" && nextWord == "by")
            {
                rule = "then";
                end = k + 2;
            }
            else if (word is "finally" or "lastly" && previous is "," or "and" or ";")
            {
                rule = "finally";
            }
            else if (word == "next" && previous is "," or "and" && (nextWord == "," || StartsWithVerb(body[tokens[Math.Min(k + 1, tokens.Count - 1)].Start..])))
            {
                rule = "then";
            }

            if (rule is null)
            {
                continue;
            }

            // Swallow the separators around the connector: ", and then," belongs to neither stage.
            var cut = k;
            while (cut > stageStart && tokens[cut - 1].Lower is "," or "and" or ";")
            {
                cut--;
            }

            while (end < tokens.Count && tokens[end].Text == ",")
            {
                end++;
            }

            if (cut > stageStart && end < tokens.Count)
            {
                stages.Add((body[tokens[stageStart].Start..tokens[cut - 1].End], pendingRule));
                pendingRule = rule;
                stageStart = end;
                k = end - 1;
            }
        }

        stages.Add((body[tokens[stageStart].Start..], pendingRule));
        return stages;
    }

    /// <summary>
    /// Clauses of a stage: split at ",", "and", "&amp;" or "as well as" only where both sides start with a work
    /// verb ("Compare Redis and Memcached" stays whole; "fix the bug and test it" splits).
    /// </summary>
    private List<string> Pieces(string stage)
    {
        var tokens = ClauseWords.Tokens(stage);
        var pieces = new List<string>();
        var pieceStart = 0;
        for (var k = 1; k < tokens.Count; k++)
        {
            if (tokens[k].Depth > 0)
            {
                continue;
            }

            var length = tokens[k].Text switch
            {
                "," when k + 1 < tokens.Count && tokens[k + 1].Lower == "and" => 2,
                "," or "&" => 1,
                _ when tokens[k].Lower == "and" => 1,
                _ when tokens[k].Lower == "as" && k + 2 < tokens.Count && tokens[k + 1].Lower == "well" && tokens[k + 2].Lower == "as" => 3,
                _ => 0,
            };
            if (length == 0 || k + length >= tokens.Count)
            {
                continue;
            }

            var before = stage[tokens[pieceStart].Start..tokens[k - 1].End];
            var after = stage[tokens[k + length].Start..];
            if (StartsWithVerb(before) && StartsWithVerb(after))
            {
                pieces.Add(before);
                pieceStart = k + length;
                k = pieceStart;
            }
        }

        pieces.Add(stage[tokens[pieceStart].Start..]);
        if (pieces.Count > 1)
        {
            _rationale.Add($"split:list ← {string.Join(" | ", pieces.Select(Quote))}: each starts with a work verb");
        }

        return pieces;
    }

    /// <summary>"Y after/before/once X" inside one clause, then the "with tests and docs" tail.</summary>
    private List<int> ReadPiece(string piece)
    {
        var tokens = ClauseWords.Tokens(piece);
        for (var k = 1; k + 1 < tokens.Count; k++)
        {
            if (tokens[k].Depth > 0 || tokens[k].Lower is not ("after" or "before" or "once"))
            {
                continue;
            }

            var main = piece[..tokens[k].Start].Trim();
            var (kind, referenceText) = ReadReference(piece[tokens[k + 1].Start..]);
            if (kind == ReferenceKind.None || !StartsWithVerb(main))
            {
                continue;
            }

            var mainIds = ReadTail(main);
            var reference = AddReference(referenceText, kind, kind is ReferenceKind.State or ReferenceKind.Noun ? (mainIds[0], piece) : null);
            if (tokens[k].Lower == "before")
            {
                AddGroup(mainIds, [reference], "before", silent: false);
            }
            else
            {
                AddGroup([reference], mainIds, "after", silent: false);
            }

            return [.. mainIds, reference];
        }

        return ReadTail(piece);
    }

    /// <summary>"Build X with tests and docs": the tail's supporting deliverables become tasks of their own.</summary>
    private List<int> ReadTail(string piece)
    {
        var tokens = ClauseWords.Tokens(piece);
        for (var k = tokens.Count - 2; k >= 1; k--)
        {
            if (tokens[k].Depth > 0 || tokens[k].Lower is not ("with" or "including" or "plus"))
            {
                continue;
            }

            var markerStart = tokens[k].Start;
            if (k >= 2 && tokens[k].Lower == "with" && tokens[k - 1].Lower is "along" or "together")
            {
                markerStart = tokens[k - 1].Start;
            }

            var main = piece[..markerStart].Trim().TrimEnd(',').Trim();
            var items = ListItems(piece[tokens[k + 1].Start..]);
            var mainArea = WorkAreas.Classify(main).Area;
            var areas = items.Select(HeadArea).ToList();
            if (items.Count == 0 || !StartsWithVerb(main) || areas.Any(a => a is null || !TailAreas.Contains(a))
                || areas.All(a => a == mainArea))
            {
                continue;
            }

            var mainId = Add(main);
            var subject = The(_all[mainId].Object.Length > 0 ? _all[mainId].Object : main);
            var ids = new List<int> { mainId };
            for (var i = 0; i < items.Count; i++)
            {
                if (areas[i] == mainArea)
                {
                    continue;
                }

                var area = new AreaReading(areas[i]!, $"'{items[i]}' split from a 'with' tail", true);
                ids.Add(Add($"{items[i]} for {subject}", area, derived: true));
            }

            _rationale.Add($"split:with ← {string.Join(", ", items.Select(i => $"'{i}'"))} split from {Quote(main)}");
            return ids;
        }

        return [Add(piece)];
    }

    private static List<string> ListItems(string tail)
    {
        var tokens = ClauseWords.Tokens(tail);
        var items = new List<string>();
        var start = 0;
        for (var k = 0; k <= tokens.Count; k++)
        {
            var separator = k == tokens.Count || (tokens[k].Depth == 0 && (tokens[k].Text is "," or "&" || tokens[k].Lower == "and"));
            if (!separator)
            {
                continue;
            }

            if (k > start)
            {
                items.Add(tail[tokens[start].Start..tokens[k - 1].End].Trim());
            }

            start = k + 1;
        }

        return items;
    }

    private static WorkArea? HeadArea(string item)
    {
        var words = ClauseWords.Lower(item);
        return words.Count == 0 ? null : WorkAreas.DeliverableNouns.GetValueOrDefault(TextTokens.Stem(words[^1]));
    }

    /// <summary>
    /// Whether the text after after/before/once names work: a verb ("implementing X", "we deploy"), a passive
    /// ("the parser is tested"), a finished state ("CI is green", "the tests pass") or a deliverable noun
    /// ("the review"). Returns the kind and the text a task would carry.
    /// </summary>
    private static (ReferenceKind Kind, string Text) ReadReference(string condition)
    {
        condition = TrimPunctuation(condition);
        var tokens = ClauseWords.Tokens(condition).Where(t => t.Depth == 0).ToList();
        var words = tokens.Where(t => t.IsWord).ToList();
        if (words.Count == 0 || tokens.Any(t => t.Text == ","))
        {
            return (ReferenceKind.None, "");
        }

        var first = Subjects.Contains(words[0].Lower) ? 1 : 0;
        if (first < words.Count)
        {
            var word = words[first].Lower;
            if (WorkVerbs.BaseOfGerund(word) is { } gerundBase)
            {
                return (ReferenceKind.Verb, gerundBase + condition[words[first].End..]);
            }

            if (first == 1 && WorkVerbs.IsBase(word))
            {
                return (ReferenceKind.Verb, condition[words[first].Start..]);
            }
        }

        var aux = words.FindIndex(w => Auxiliaries.Contains(w.Lower));
        if (aux > 0 && aux + 1 < words.Count)
        {
            var subjectEnd = words[aux - 1].Lower is "has" or "have" or "will" && aux >= 2 ? words[aux - 2].End : words[aux - 1].End;
            var subject = condition[..subjectEnd].Trim();
            if (StateWords.Contains(words[aux + 1].Lower))
            {
                return (ReferenceKind.State, condition);
            }

            if (WorkVerbs.BaseOfParticiple(words[aux + 1].Lower) is { } participleBase)
            {
                return (ReferenceKind.Passive, $"{participleBase} {subject}{condition[words[aux + 1].End..]}");
            }
        }

        var last = words[^1].Lower;
        if (StateWords.Contains(last) && words.Count > 1)
        {
            return (ReferenceKind.State, condition);
        }

        return WorkAreas.DeliverableNouns.ContainsKey(TextTokens.Stem(last)) && (words.Count == 1 || !WorkVerbs.IsBase(words[0].Lower))
            ? (ReferenceKind.Noun, condition)
            : (ReferenceKind.None, "");
    }

    // ---- Helpers over text ----

    private static int? ColonIndex(string text)
    {
        var colon = ClauseWords.Tokens(text).FindIndex(t => t.Depth == 0 && t.Text == ":");
        return colon < 0 ? null : ClauseWords.Tokens(text)[colon].Start;
    }

    private static string TrimPunctuation(string text) => text.Trim().TrimEnd('.', ';', ':', '!', '?', ',').Trim();

    private static bool StartsWithVerb(string text)
    {
        var words = ClauseWords.Lower(text);
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

    // ---- Deliverables and order ----

    private static readonly (string[] Words, Connector Kind)[] TrailingConnectors =
    [
        (["first"], Connector.First), (["afterwards"], Connector.Then), (["afterward"], Connector.Then),
        (["after", "that"], Connector.Then), (["later"], Connector.Then), (["last"], Connector.Finally),
        (["at", "the", "end"], Connector.Finally), (["finally"], Connector.Finally),
    ];

    private int Add(string text, AreaReading? area = null, bool derived = false)
    {
        var (clean, trailing) = StripTrailingConnector(Clean(text));
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

        return id;
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

    private int AddReference(string text, ReferenceKind kind, (int Partner, string Text)? uncut)
    {
        var deliverable = new Deliverable(_all.Count, Clean(text), _sentence)
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

    // ---- Whole-objective passes ----

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

        var deliverables = live.Select(d => d).ToList();
        foreach (var d in deliverables)
        {
            if (d.Text.Length > _maxText)
            {
                d.SetText(Cleanup.Bound(d.Text, _maxText));
            }
        }

        return new ObjectiveReading(deliverables, order.Distinct().ToList(), _rationale);

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
        foreach (var d in _all.Where(d => d.Verb.Length > 0))
        {
            var words = ClauseWords.Tokens(d.Object);
            if (words.Count == 0 || words[0].Lower is not ("it" or "them"))
            {
                continue;
            }

            var donor = _all.LastOrDefault(e => e.Id < d.Id && e is { Reference: false, Derived: false } && e.Verb.Length > 0 && e.Object.Length > 0
                                                && ClauseWords.Tokens(e.Object)[0].Lower is not ("it" or "them"));
            if (donor is null)
            {
                continue;
            }

            var before = d.Text;
            d.SetText($"{d.Verb} {The(donor.Object)}{d.Object[words[0].End..]}");
            _rationale.Add($"text:pronoun ← {Quote(before)} → {Quote(d.Text)}");
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
                            && needed.IsSubsetOf(d.Stems())
                            && (nouns.Count == 0 || nouns.Any(n => d.Stems().Contains(n) || d.Verb.Equals(WorkAreas.NounVerbs[n], StringComparison.OrdinalIgnoreCase))))
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
                    _all[uncut.Partner].SetText(Clean(uncut.Text));
                }

                _rationale.Add($"merge:reference ← {Quote(reference.Text)} names no task: kept as part of the text");
            }
        }
    }

    private void MergeDuplicates()
    {
        var live = Live();
        var repeats = new SortedDictionary<int, int>();
        for (var i = 0; i < live.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (_alias.ContainsKey(live[j].Id) || live[i].Area.Area != live[j].Area.Area || !live[i].Stems().SetEquals(live[j].Stems()))
                {
                    continue;
                }

                _alias[live[i].Id] = [live[j].Id];
                repeats[live[j].Id] = repeats.GetValueOrDefault(live[j].Id) + 1;
                break;
            }
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
