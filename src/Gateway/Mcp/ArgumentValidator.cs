using System.Globalization;
using System.Text.Json;
using SwarmCluster.Contracts.Errors;

namespace SwarmCluster.Gateway.Mcp;

/// <summary>
/// Checks call arguments against the tool's own input schema (the subset our schemas use: type, enum,
/// minimum/maximum, length and item limits, nested properties, required) before the tool runs, so a bad
/// argument fails with "parameter: rule" rather than a binder error that names nothing.
/// </summary>
public static class ArgumentValidator
{
    /// <summary>
    /// Validates and normalizes: nulls given for optional parameters count as absent, integral numbers
    /// written as 5.0 become 5. Throws <see cref="DomainException"/> (InvalidArgument) naming the parameter.
    /// </summary>
    public static Dictionary<string, JsonElement> Validate(JsonElement schema, IEnumerable<KeyValuePair<string, JsonElement>>? arguments) =>
        Validate(schema, arguments, "parameter");

    private static Dictionary<string, JsonElement> Validate(JsonElement schema, IEnumerable<KeyValuePair<string, JsonElement>>? arguments, string member)
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
                throw DomainException.Invalid(name, $"unknown {member} (expected: {known})");
            }
            if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined && !required.Contains(name))
                continue;
            result[name] = Check(name, value, propertySchema) ?? value;
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

    /// <summary>Throws on a violation; returns a replacement when the value had to be normalized, else null.</summary>
    private static JsonElement? Check(string path, JsonElement value, JsonElement schema)
    {
        var types = Types(schema);
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (types.Count == 0 || types.Contains("null"))
                return null;
            throw DomainException.Invalid(path, $"must be {Describe(types)} (got null)");
        }

        if (types.Count > 0 && !types.Any(t => Matches(t, value)))
            throw DomainException.Invalid(path, $"must be {Describe(types)} (got {Show(value)})");

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
                // "5.0" is an integer to JSON Schema but not to the binder.
                if (types.Contains("integer") && !types.Contains("number") && !value.TryGetInt64(out _))
                    return JsonSerializer.SerializeToElement((long)value.GetDouble());
                return null;

            case JsonValueKind.String:
                var length = value.GetString()!.Length;
                if (Number(schema, "minLength") is { } minLength && length < minLength)
                    throw DomainException.Invalid(path, length == 0 ? "must not be empty" : $"must be at least {minLength} characters (got {length})");
                if (Number(schema, "maxLength") is { } maxLength && length > maxLength)
                    throw DomainException.Invalid(path, $"must be at most {maxLength} characters (got {length})");
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
                    var replacement = Check($"{path}[{index}]", item, itemSchema);
                    if (replacement is not null && items is null)
                        items = value.EnumerateArray().Take(index).ToList();
                    items?.Add(replacement ?? item);
                    index++;
                }
                return items is null ? null : JsonSerializer.SerializeToElement(items);

            case JsonValueKind.Object when schema.TryGetProperty("additionalProperties", out var valueSchema) && valueSchema.ValueKind == JsonValueKind.Object:
                foreach (var member in value.EnumerateObject())
                    if (Check($"{path}.{member.Name}", member.Value, valueSchema) is not null)
                        throw DomainException.Invalid($"{path}.{member.Name}", "has an unexpected form");
                return null;

            case JsonValueKind.Object when schema.TryGetProperty("properties", out _):
                var nested = ValidateNested(schema, value.EnumerateObject().Select(x => KeyValuePair.Create(x.Name, x.Value)), path);
                return JsonSerializer.SerializeToElement(nested);

            default:
                return null;
        }
    }

    // Nested objects report the full path ("samples[2].input").
    private static Dictionary<string, JsonElement> ValidateNested(JsonElement schema, IEnumerable<KeyValuePair<string, JsonElement>> members, string path)
    {
        try
        {
            return Validate(schema, members, "property");
        }
        catch (DomainException e) when (e.Parameter is not null && e.Kind == ErrorKind.InvalidArgument)
        {
            var rule = e.Message.StartsWith(e.Parameter + ": ", StringComparison.Ordinal) ? e.Message[(e.Parameter.Length + 2)..] : e.Message;
            throw DomainException.Invalid($"{path}.{e.Parameter}", rule);
        }
    }

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
        value.TryGetInt64(out _) || value.TryGetDecimal(out var d) && decimal.Truncate(d) == d && Math.Abs(d) <= long.MaxValue;

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
            JsonValueKind.String => JsonSerializer.Serialize(value.GetString()),
            JsonValueKind.Array => $"an array of {value.GetArrayLength()}",
            JsonValueKind.Object => "an object",
            _ => value.GetRawText(),
        };
        return text.Length > 60 ? text[..57] + "..." : text;
    }

    private static string Format(double number) => number.ToString("0.###", CultureInfo.InvariantCulture);
}
