using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Queen;

/// <summary>Sentences into clauses: labels, connectors, openers, stages, clause lists, references and tails.</summary>
internal sealed partial class ObjectiveReader
{
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
            if (governed.Count == 0)
            {
                return governed;
            }

            var first = _all[governed[0]];
            first.SetText($"{body[..tokens[comma].End]} {char.ToLowerInvariant(first.Text[0])}{first.Text[1..]}", keepArea: true);
            return governed;
        }

        var before = tokens[0].Lower == "before";
        if (AddReference(referenceText, kind, null) is not { } reference)
        {
            return ReadBody(main, isItem, connector != Connector.None);
        }

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
                return Add(body);
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
            if (mainIds.Count == 0
                || AddReference(referenceText, kind, kind is ReferenceKind.State or ReferenceKind.Noun ? (mainIds[0], piece) : null) is not { } reference)
            {
                return mainIds.Count == 0 ? ReadTail(piece) : mainIds;
            }

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

            if (Add(main) is not [var mainId])
            {
                break;
            }

            var subject = The(_all[mainId].Object.Length > 0 ? _all[mainId].Object : main);
            var ids = new List<int> { mainId };
            for (var i = 0; i < items.Count; i++)
            {
                if (areas[i] == mainArea)
                {
                    continue;
                }

                var area = new AreaReading(areas[i]!, $"'{items[i]}' split from a 'with' tail", true);
                ids.AddRange(Add($"{items[i]} for {subject}", area, derived: true));
            }

            _rationale.Add($"split:with ← {string.Join(", ", items.Select(i => $"'{i}'"))} split from {Quote(main)}");
            return ids;
        }

        return Add(piece);
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
}
