using System.Globalization;

namespace SwarmCluster.Grains.Routing;

/// <summary>
/// Word tokenisation shared by the feature encoder, capability matching and the Queen's planner, so all three
/// read a text the same way: lower-case (invariant), split on anything that is not a letter or digit,
/// tokens of one character and a short list of stop words dropped.
/// </summary>
public static class TextTokens
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "or", "of", "to", "for", "in", "on", "at", "by", "with", "an", "is", "are", "be", "it",
        "its", "this", "that", "these", "those", "as", "from", "into", "we", "our", "you", "your", "all", "any",
        "some", "so", "if", "do", "does", "can", "will", "should", "must", "please", "new",
    };

    public static List<string> Words(string? text)
    {
        var words = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return words;
        }

        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var isWordChar = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (isWordChar && start < 0)
            {
                start = i;
            }
            else if (!isWordChar && start >= 0)
            {
                var word = text[start..i].ToLower(CultureInfo.InvariantCulture);
                if (word.Length > 1 && !StopWords.Contains(word))
                {
                    words.Add(word);
                }

                start = -1;
            }
        }

        return words;
    }

    /// <summary>
    /// A crude suffix stripper so "databases", "testing" and "tested" meet "database" and "test" when
    /// matching keywords. Only used for matching, never for the network's features.
    /// </summary>
    public static string Stem(string word)
    {
        foreach (var suffix in (ReadOnlySpan<string>)["ing", "ed", "es", "s"])
        {
            if (word.Length >= suffix.Length + 3 && word.EndsWith(suffix, StringComparison.Ordinal))
            {
                return word[..^suffix.Length];
            }
        }

        return word;
    }

    public static HashSet<string> StemSet(IEnumerable<string> words)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            set.Add(Stem(word));
        }

        return set;
    }
}
