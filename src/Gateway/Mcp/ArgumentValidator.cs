using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;

namespace SwarmCluster.Gateway.Mcp;

/// <summary>
/// Checks call arguments against the tool's own input schema (the subset our schemas use: type, enum,
/// minimum/maximum, length and item limits, nested properties, required) before the tool runs, so a bad
/// argument fails with "parameter: rule" rather than a binder error that names nothing. It is also the one
/// door for text and JSON values on every transport: strings must be valid Unicode without control
/// characters (tab and line breaks aside), numbers finite, strings at most <see cref="InputLimits.MaxStringLength"/>
/// long unless the schema says less, values nested at most <see cref="InputLimits.MaxValueDepth"/> deep.
/// </summary>
public static class ArgumentValidator
{
    /// <summary>
    /// Validates and normalizes: nulls given for optional parameters count as absent, integral numbers
    /// written as 5.0 become 5. Throws <see cref="DomainException"/> (InvalidArgument) naming the parameter.
    /// </summary>
    public static Dictionary<string, JsonElement> Validate(JsonElement schema, IEnumerable<KeyValuePair<string, JsonElement>>? arguments) =>
        Validate(schema, arguments, "parameter");

    private static Dictionary<string, JsonElement> Validate(JsonElement schema, IEnumerable<KeyValuePair<string, JsonElement>>? arguments, string member, int depth = 0)
    {
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var required = RequiredNames(schema);
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

        foreach (var (name, value) in arguments ?? [])
        {
            if (properties.ValueKind != JsonValueKind.Object || !properties.TryGetProperty(name, out var propertySchema))
            {
                var known = properties.ValueKind == JsonValueKind.Object
                    ? string.Join(", ", properties.EnumerateObject().Select(x => x.Name)) : "none";
                throw DomainException.Invalid(Shorten(name), $"unknown {member} (expected: {known})");
            }
            if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined && !required.Contains(name))
                continue;
            result[name] = Check(name, value, propertySchema, depth) ?? value;
        }

        foreach (var name in required)
            if (!result.ContainsKey(name))
                throw DomainException.Invalid(name, $"required {member} is missing");
        return result;
    }

    private static HashSet<string> RequiredNames(JsonElement schema) =>
        schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToHashSet(StringComparer.Ordinal)
            : [];

    /// <summary>
    /// Throws on a violation; returns a replacement when the value had to be normalized, else null.
    /// <paramref name="depth"/>: containers above the value within its argument.
    /// </summary>
    private static JsonElement? Check(string path, JsonElement value, JsonElement schema, int depth)
    {
        var types = Types(schema);
        if (types.Count == 0 || IsOpenContainer(schema, types, value))
        {
            // Any JSON (no type, or an object/array whose members the schema leaves open): the value rules only.
            if (TextRules.JsonValueProblem(value, depth) is { } problem)
                throw DomainException.Invalid(path + problem.Path, problem.Rule);
            return null;
        }
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (types.Contains("null"))
                return null;
            throw DomainException.Invalid(path, $"must be {Describe(types)} (got null)");
        }

        // Text and numbers first: a type, enum or length message must not echo a broken value.
        var length = 0;
        if (value.ValueKind == JsonValueKind.String && TextRules.StringProblem(value, typed: true, out length) is { } textRule)
            throw DomainException.Invalid(path, textRule);
        if (value.ValueKind == JsonValueKind.Number && !(value.TryGetDouble(out var finite) && double.IsFinite(finite)))
            throw DomainException.Invalid(path, TextRules.FiniteRule);

        if (!types.Any(t => Matches(t, value)))
            throw DomainException.Invalid(path, $"must be {Describe(types)} (got {Show(value)})");
        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array && depth + 1 > InputLimits.MaxValueDepth)
            throw DomainException.Invalid(path, TextRules.DepthRule);

        if (schema.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array
            && !allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
        {
            var list = string.Join(", ", allowed.EnumerateArray().Where(a => a.ValueKind != JsonValueKind.Null).Select(a => a.ToString()));
            throw DomainException.Invalid(path, $"must be one of {list} (got {Show(value)})");
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                CheckRange(path, value.GetDouble(), schema);
                if (!types.Contains("integer") || types.Contains("number"))
                    return null;
                if (Math.Abs(value.GetDouble()) > MaxSafeInteger)
                    throw DomainException.Invalid(path, $"must be an integer within ±{MaxSafeInteger} (got {Show(value)})");
                // "5.0" is an integer to JSON Schema but not to the binder.
                return value.TryGetInt64(out _) ? null : JsonSerializer.SerializeToElement((long)value.GetDouble());

            case JsonValueKind.String:
                if (Number(schema, "minLength") is { } minLength && length < minLength)
                    throw DomainException.Invalid(path, length == 0 ? "must not be empty" : $"must be at least {minLength} characters (got {length})");
                var maxLength = Math.Min(Number(schema, "maxLength") ?? InputLimits.MaxStringLength, InputLimits.MaxStringLength);
                if (length > maxLength)
                    throw DomainException.Invalid(path, $"must be at most {Format(maxLength)} characters (got {length})");
                return null;

            case JsonValueKind.Array:
                var count = value.GetArrayLength();
                if (Number(schema, "minItems") is { } minItems && count < minItems)
                    throw DomainException.Invalid(path, $"must have at least {minItems} items (got {count})");
                if (Number(schema, "maxItems") is { } maxItems && count > maxItems)
                    throw DomainException.Invalid(path, $"must have at most {maxItems} items (got {count})");
                if (!schema.TryGetProperty("items", out var itemSchema) || itemSchema.ValueKind != JsonValueKind.Object)
                    return null;
                List<JsonElement>? items = null;
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    var replacement = Check($"{path}[{index}]", item, itemSchema, depth + 1);
                    if (replacement is not null && items is null)
                        items = value.EnumerateArray().Take(index).ToList();
                    items?.Add(replacement ?? item);
                    index++;
                }
                return items is null ? null : JsonSerializer.SerializeToElement(items);

            case JsonValueKind.Object when schema.TryGetProperty("additionalProperties", out var valueSchema) && valueSchema.ValueKind == JsonValueKind.Object:
                foreach (var member in value.EnumerateObject())
                {
                    var key = Key(path, member);
                    if (Check($"{path}.{key}", member.Value, valueSchema, depth + 1) is not null)
                        throw DomainException.Invalid($"{path}.{key}", "has an unexpected form");
                }
                return null;

            case JsonValueKind.Object when schema.TryGetProperty("properties", out _):
                var nested = ValidateNested(schema, value.EnumerateObject().Select(x => KeyValuePair.Create(Key(path, x), x.Value)), path, depth + 1);
                return JsonSerializer.SerializeToElement(nested);

            default:
                return null;
        }
    }

    // Nested objects report the full path ("samples[2].input").
    private static Dictionary<string, JsonElement> ValidateNested(JsonElement schema, IEnumerable<KeyValuePair<string, JsonElement>> members, string path, int depth)
    {
        try
        {
            return Validate(schema, members, "property", depth);
        }
        catch (DomainException e) when (e.Parameter is not null && e.Kind == ErrorKind.InvalidArgument)
        {
            var rule = e.Message.StartsWith(e.Parameter + ": ", StringComparison.Ordinal) ? e.Message[(e.Parameter.Length + 2)..] : e.Message;
            throw DomainException.Invalid($"{path}.{e.Parameter}", rule);
        }
    }

    // Keys of typed objects follow the text rules (a key is text a person reads).
    private static string Key(string path, JsonProperty member)
    {
        var rule = TextRules.TryGetName(member, out var name) ?? TextRules.TextProblem(name);
        return rule is null ? name : throw DomainException.Invalid(path, "keys " + rule);
    }

    // Open object (no properties, no typed additionalProperties) or untyped array items: free-form JSON.
    private static bool IsOpenContainer(JsonElement schema, List<string> types, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => types.Contains("object") && !schema.TryGetProperty("properties", out _)
            && !(schema.TryGetProperty("additionalProperties", out var a) && a.ValueKind == JsonValueKind.Object),
        JsonValueKind.Array => types.Contains("array") && !(schema.TryGetProperty("items", out var i) && i.ValueKind == JsonValueKind.Object),
        _ => false,
    };

    private static string Shorten(string name) => name.Length > 64 ? name[..61] + "..." : name;

    private static void CheckRange(string path, double number, JsonElement schema)
    {
        var min = Number(schema, "minimum");
        var max = Number(schema, "maximum");
        if ((min is { } lo && number < lo) || (max is { } hi && number > hi))
        {
            var rule = (min, max) switch
            {
                ({ } a, { } b) => $"must be between {Format(a)} and {Format(b)}",
                ({ } a, null) => $"must be at least {Format(a)}",
                (null, { } b) => $"must be at most {Format(b)}",
                _ => "is out of range",
            };
            throw DomainException.Invalid(path, $"{rule} (got {Format(number)})");
        }
    }

    private static double? Number(JsonElement schema, string keyword) =>
        schema.TryGetProperty(keyword, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static List<string> Types(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
            return [];
        return type.ValueKind switch
        {
            JsonValueKind.String => [type.GetString()!],
            JsonValueKind.Array => type.EnumerateArray().Select(t => t.GetString()!).ToList(),
            _ => [],
        };
    }

    private static bool Matches(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && IsIntegral(value),
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static bool IsIntegral(JsonElement value) =>
        value.TryGetInt64(out _) || value.TryGetDouble(out var d) && double.IsFinite(d) && Math.Floor(d) == d;

    // Integers beyond 2^53 lose digits in every JSON reader that uses doubles (JavaScript among them).
    private const long MaxSafeInteger = (1L << 53) - 1;

    private static string Describe(List<string> types)
    {
        var names = types.Where(t => t != "null").Select(t => t switch
        {
            "integer" => "an integer",
            "array" => "an array",
            "object" => "an object",
            "boolean" => "a boolean",
            "number" => "a number",
            _ => "a " + t,
        }).ToList();
        return names.Count == 0 ? "null" : string.Join(" or ", names);
    }

    private static string Show(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            // The start of the JSON text as sent: a refused string may be megabytes long.
            JsonValueKind.String => Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(value) is var raw && raw.Length > 64 ? raw[..64] : raw),
            JsonValueKind.Array => $"an array of {value.GetArrayLength()}",
            JsonValueKind.Object => "an object",
            _ => value.GetRawText(),
        };
        return text.Length > 60 ? text[..57] + "..." : text;
    }

    private static string Format(double number) => number.ToString("0.###", CultureInfo.InvariantCulture);
}
