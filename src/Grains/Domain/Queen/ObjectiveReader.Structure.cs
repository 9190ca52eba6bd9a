using System.Text.RegularExpressions;

namespace SwarmCluster.Grains.Queen;

/// <summary>Structure: lines, list items, headings and sentences.</summary>
internal sealed partial class ObjectiveReader
{
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
}
