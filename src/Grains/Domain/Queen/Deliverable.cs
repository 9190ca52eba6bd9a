using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Queen;

/// <summary>One deliverable read from an objective, before it becomes a planned task.</summary>
internal sealed class Deliverable
{
    public Deliverable(int id, string text, int sentence, AreaReading? fixedArea = null, bool derived = false)
    {
        Id = id;
        Sentence = sentence;
        _fixedArea = fixedArea;
        Derived = derived;
        SetText(text);
    }

    /// <summary>An area read from elsewhere (a "with" noun, the main clause after a condition, a heading).</summary>
    private AreaReading? _fixedArea;

    /// <summary>Discovery order, which is the order of the text.</summary>
    public int Id { get; }

    /// <summary>The sentence (or list item) it came from: bare verbs share an object only within one.</summary>
    public int Sentence { get; }

    public string Text { get; private set; } = "";

    /// <summary>The leading work verb as written ("" when the clause has none).</summary>
    public string Verb { get; private set; } = "";

    /// <summary>What follows the verb ("" for a bare verb or a clause without a verb).</summary>
    public string Object { get; private set; } = "";

    public AreaReading Area { get; private set; } = null!;

    /// <summary>Named by "after/before/once X": X may be another deliverable of the objective.</summary>
    public bool Reference { get; init; }

    /// <summary>A reference that is only a noun ("after the review"): dropped, not planned, when nothing matches.</summary>
    public bool NounReference { get; init; }

    /// <summary>For a noun reference: the deliverable it was cut from, and that deliverable's uncut text.</summary>
    public (int Partner, string Text)? Uncut { get; set; }

    /// <summary>Made from a "with tests and docs" tail: it has no verb of its own, its noun gives the area.</summary>
    public bool Derived { get; }

    /// <summary>Replaces the text and re-reads verb, object and (unless kept) area from it.</summary>
    public void SetText(string text, bool keepArea = false)
    {
        var area = Area;
        Text = Cleanup.Capitalize(text);
        Stems = TextTokens.StemSet(TextTokens.Words(Text));
        var tokens = ClauseWords.Tokens(Text);
        var words = tokens.Where(t => t.IsWord).ToList();
        var lower = words.Select(w => w.Lower).ToList();
        var verb = WorkVerbs.Imperative(lower, 0);
        if (verb is { } v && !Derived)
        {
            var end = words[v.Words - 1].End;
            Verb = Text[..end];
            Object = Text[end..].Trim();
        }
        else
        {
            Verb = "";
            Object = "";
        }

        Area = keepArea ? area : _fixedArea ?? WorkAreas.Classify(Text);
    }

    /// <summary>Types the deliverable from its heading when its own text only gave a default.</summary>
    public void Inherit(AreaReading heading)
    {
        if (Area.Defaulted)
        {
            _fixedArea = heading;
            Area = heading;
        }
    }

    /// <summary>Stems of every content word, for spotting duplicates and references.</summary>
    public IReadOnlySet<string> Stems { get; private set; } = new HashSet<string>();

    /// <summary>
    /// What a reference must find in another deliverable: the stems of its words minus those that only name
    /// its area ("the parser is tested" → parser); empty means any deliverable of the area.
    /// </summary>
    public HashSet<string> ReferenceStems()
    {
        var stems = new HashSet<string>(Stems);
        stems.ExceptWith(Area.Area.Keywords);
        stems.RemoveWhere(s => WorkAreas.DeliverableNouns.ContainsKey(s) || ObjectiveReader.StateStems.Contains(s));
        if (Verb.Length > 0)
        {
            stems.ExceptWith(TextTokens.StemSet(TextTokens.Words(Verb)));
        }

        return stems;
    }

    public string Short(int max = 60) => Text.Length <= max ? Text : Text[..(max - 1)].TrimEnd() + "…";
}

internal static class Cleanup
{
    public static string Capitalize(string text)
    {
        text = CollapseSpaces(text.Trim());
        return text.Length == 0 || !char.IsLower(text[0]) ? text : char.ToUpperInvariant(text[0]) + text[1..];
    }

    public static string CollapseSpaces(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>Bounded text: at most <paramref name="max"/> characters, an ellipsis marking a cut.</summary>
    public static string Bound(string text, int max) => text.Length <= max ? text : text[..(max - 1)].TrimEnd() + "…";
}
