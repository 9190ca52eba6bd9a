using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace SwarmCluster.Contracts;

/// <summary>
/// What text and JSON values must be before anything is stored: valid Unicode, no control characters where
/// they make no sense, nesting within <see cref="InputLimits.MaxValueDepth"/>. Each check returns the rule
/// broken (to follow "parameter: "), or null when the input is fine.
/// </summary>
public static class TextRules
{
    public const string LoneSurrogateRule = "must be valid Unicode text";

    /// <summary>
    /// Text typed by a person or a model: valid UTF-16 and no control characters except tab, line feed and
    /// carriage return (NUL, escape sequences and the like only ever corrupt logs, storage and other clients).
    /// </summary>
    public static string? TextProblem(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }

                return $"{LoneSurrogateRule} (lone surrogate {CodePoint(c)} at index {i})";
            }

            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
            {
                return $"must not contain control characters ({CodePoint(c)} at index {i})";
            }
        }

        return null;
    }

    /// <summary>Data inside a JSON value: any character is data, but it must be valid UTF-16.</summary>
    public static string? UnicodeProblem(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!char.IsSurrogate(c))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            return $"{LoneSurrogateRule} (lone surrogate {CodePoint(c)} at index {i})";
        }

        return null;
    }

    /// <summary>
    /// A JSON string's text, or the rule it breaks: an escaped lone surrogate ("\ud800") or invalid UTF-8
    /// bytes make System.Text.Json throw when the text is read.
    /// </summary>
    public static string? TryGetString(JsonElement element, out string text)
    {
        try
        {
            text = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return $"{LoneSurrogateRule} (it holds a lone UTF-16 surrogate or invalid UTF-8)";
        }

        return UnicodeProblem(text);
    }

    /// <summary>
    /// The rule a JSON string breaks, or null; <paramref name="length"/> is its length in UTF-16 units. Works
    /// on the raw UTF-8 and reads the text (allocating it) only when it holds escapes, so refusing a huge
    /// string costs no copy of it. <paramref name="typed"/>: text a person reads (<see cref="TextProblem"/>), else
    /// data (<see cref="UnicodeProblem"/>).
    /// </summary>
    public static string? StringProblem(JsonElement element, bool typed, out int length)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element)[1..^1]; // without the quotes
        // The common case, checked in place: no escapes, valid UTF-8, and (for text) no DEL or C1 control,
        // the only controls unescaped JSON can hold.
        if (raw.IndexOf((byte)'\\') < 0 && Utf8.IsValid(raw) && !(typed && (raw.IndexOf((byte)0x7F) >= 0 || HasC1(raw))))
        {
            length = Encoding.UTF8.GetCharCount(raw);
            return null;
        }

        var rule = TryGetString(element, out var text);
        length = text.Length;
        return rule ?? (typed ? TextProblem(text) : null);
    }

    // C1 controls (U+0080..U+009F) are C2 80..C2 9F in UTF-8.
    private static bool HasC1(ReadOnlySpan<byte> text)
    {
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (text[i] == 0xC2 && text[i + 1] is >= 0x80 and <= 0x9F)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A property name's text, or the rule it breaks (same traps as <see cref="TryGetString"/>).</summary>
    public static string? TryGetName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return $"{LoneSurrogateRule} (a key holds a lone UTF-16 surrogate or invalid UTF-8)";
        }

        return UnicodeProblem(name);
    }

    /// <summary>
    /// Checks a free-form JSON value that sits <paramref name="depth"/> containers below the argument it
    /// belongs to: nesting within <see cref="InputLimits.MaxValueDepth"/>, every key and string valid Unicode,
    /// numbers finite. Returns the path below the value (".a[2]"; none for the depth rule, which concerns the
    /// whole value) and the rule, or null.
    /// </summary>
    public static (string Path, string Rule)? JsonValueProblem(JsonElement value, int depth = 0)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object or JsonValueKind.Array when depth + 1 > InputLimits.MaxValueDepth:
                return ("", DepthRule);

            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (TryGetName(property, out var name) is { } badName)
                    {
                        return ("", badName);
                    }

                    if (JsonValueProblem(property.Value, depth + 1) is { } inner)
                    {
                        return inner.Rule == DepthRule ? inner : ("." + name + inner.Path, inner.Rule);
                    }
                }

                return null;

            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (JsonValueProblem(item, depth + 1) is { } inner)
                    {
                        return inner.Rule == DepthRule ? inner : ($"[{index}]{inner.Path}", inner.Rule);
                    }

                    index++;
                }

                return null;

            case JsonValueKind.String:
                return StringProblem(value, typed: false, out _) is { } rule ? ("", rule) : null;

            case JsonValueKind.Number:
                return value.TryGetDouble(out var number) && double.IsFinite(number) ? null : ("", FiniteRule);

            default:
                return null;
        }
    }

    /// <summary>The depth rule as a client reads it.</summary>
    public static string DepthRule { get; } =
        $"must not nest arrays/objects more than {InputLimits.MaxValueDepth} levels deep";

    /// <summary>1e400 is valid JSON but no number a double (or any reader of our answers) can hold.</summary>
    public const string FiniteRule = "must be a finite number (within ±1.7976931348623157E+308)";

    private static string CodePoint(char c) => "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);
}
