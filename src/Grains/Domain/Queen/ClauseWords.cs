using System.Globalization;

namespace SwarmCluster.Grains.Queen;

/// <summary>
/// One token of a clause: a word (letters and digits, with inner apostrophes) or one punctuation character,
/// with its place in the text and its bracket depth (inside (), [], {}, quotes or backticks the depth is > 0,
/// and the planner never splits there).
/// </summary>
internal readonly record struct ClauseToken(string Text, int Start, int End, int Depth, bool IsWord)
{
    public string Lower => Text.ToLower(CultureInfo.InvariantCulture);
}

internal static class ClauseWords
{
    /// <summary>Words that may precede the verb of a clause without being part of the deliverable.</summary>
    private static readonly HashSet<string> Fillers = new(StringComparer.Ordinal)
    {
        "also", "then", "next", "finally", "first", "firstly", "quickly", "carefully", "thoroughly", "properly",
        "briefly", "immediately", "additionally", "afterwards", "afterward", "lastly", "now", "please", "just",
        "still", "really", "and", "separately", "eventually", "subsequently", "secondly", "thirdly",
    };

    public static List<ClauseToken> Tokens(string text)
    {
        var tokens = new List<ClauseToken>();
        var depth = 0;
        var inDoubleQuote = false;
        var inBacktick = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var quoteDepth = (inDoubleQuote ? 1 : 0) + (inBacktick ? 1 : 0);
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (char.IsLetterOrDigit(c))
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i])
                                           || (text[i] is '\'' or '’' && i + 1 < text.Length && char.IsLetter(text[i + 1]) && i > start)))
                {
                    i++;
                }

                tokens.Add(new ClauseToken(text[start..i], start, i, depth + quoteDepth, true));
                continue;
            }

            switch (c)
            {
                case '(' or '[' or '{':
                    tokens.Add(new ClauseToken(c.ToString(), i, i + 1, depth + quoteDepth, false));
                    depth++;
                    break;
                case ')' or ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    tokens.Add(new ClauseToken(c.ToString(), i, i + 1, depth + quoteDepth, false));
                    break;
                case '"' or '“' or '”':
                    inDoubleQuote = c switch { '“' => true, '”' => false, _ => !inDoubleQuote };
                    tokens.Add(new ClauseToken(c.ToString(), i, i + 1, depth, false));
                    break;
                case '`':
                    inBacktick = !inBacktick;
                    tokens.Add(new ClauseToken(c.ToString(), i, i + 1, depth, false));
                    break;
                default:
                    tokens.Add(new ClauseToken(c.ToString(), i, i + 1, depth + quoteDepth, false));
                    break;
            }

            i++;
        }

        return tokens;
    }

    /// <summary>The words of a text, lower-case, in order (no stop words dropped: verbs and articles matter here).</summary>
    public static List<string> Lower(string text) => Tokens(text).Where(t => t.IsWord).Select(t => t.Lower).ToList();

    /// <summary>The first <paramref name="count"/> words of a text, lower-case, without reading the rest of it.</summary>
    public static List<string> First(string text, int count)
    {
        var words = new List<string>(count);
        var i = 0;
        while (words.Count < count && i < text.Length)
        {
            if (!char.IsLetterOrDigit(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && (char.IsLetterOrDigit(text[i]) || (text[i] is '\'' or '’' && i + 1 < text.Length && char.IsLetter(text[i + 1]))))
            {
                i++;
            }

            words.Add(text[start..i].ToLower(CultureInfo.InvariantCulture));
        }

        return words;
    }

    /// <summary>The index of the first word at or after <paramref name="at"/> that is not a filler ("also", "then" …).</summary>
    public static int SkipFillers(IReadOnlyList<string> words, int at)
    {
        while (at < words.Count && Fillers.Contains(words[at]))
        {
            at++;
        }

        return at;
    }
}
