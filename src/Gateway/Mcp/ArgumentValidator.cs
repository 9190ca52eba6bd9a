using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Json.Schema;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;

namespace SwarmCluster.Gateway.Mcp;

/// <summary>
/// Checks call arguments against the tool's own input schema — the one tools/list publishes — before the tool runs,
/// so a bad argument fails with "parameter: rule" rather than a binder error that names nothing. JSON Schema
/// (JsonSchema.Net) decides type, enum, bounds, lengths, items and required; its first failure is told in our words.
/// Before that, once per value, the rules JSON Schema cannot say (<see cref="TextRules"/>): strings valid Unicode
/// without control characters (tab and line breaks aside), at most <see cref="InputLimits.MaxStringLength"/> long,
/// numbers finite and integers exact, values nested at most <see cref="InputLimits.MaxValueDepth"/> deep, no
/// parameter the schema does not name.
/// </summary>
public static class ArgumentValidator
{
    private static readonly ConcurrentDictionary<string, JsonSchema> Compiled = new(StringComparer.Ordinal);
    private static int _schemaCount;

    // List output: every failing keyword with its schema and instance locations.
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List };

    /// <summary>
    /// Validates and normalizes: nulls given for optional parameters count as absent, integral numbers
    /// written as 5.0 become 5. Throws <see cref="DomainException"/> (InvalidArgument) naming the parameter.
    /// </summary>
    public static Dictionary<string, JsonElement> Validate(JsonElement schema, IEnumerable<KeyValuePair<string, JsonElement>>? arguments)
    {
        var normalized = Normalize(schema, arguments, "parameter");
        var instance = JsonSerializer.SerializeToElement(normalized);
        var results = Compile(schema).Evaluate(instance, Evaluation);
        if (!results.IsValid && FirstFailure(schema, instance, normalized, results) is { } failure)
            throw DomainException.Invalid(failure.Path, failure.Rule);
        return normalized;
    }

    private static JsonSchema Compile(JsonElement schema) =>
        Compiled.GetOrAdd(schema.GetRawText(), static (_, element) =>
            // Each schema its own base URI: tool schemas carry no $id and must not replace each other in the registry.
            JsonSchema.Build(element.Clone(), null, new Uri($"urn:swarmcluster:tool-schema:{Interlocked.Increment(ref _schemaCount)}")), schema);

    // ---- The rules JSON Schema cannot say, and the normalization the binder needs ----

    private static Dictionary<string, JsonElement> Normalize(JsonElement schema, IEnumerable<KeyValuePair<string, JsonElement>>? arguments, string member, int depth = 0)
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
        return result;
    }

    private static HashSet<string> RequiredNames(JsonElement schema) =>
        schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToHashSet(StringComparer.Ordinal)
            : [];

    /// <summary>
    /// Throws on a text, number or depth rule; returns a replacement when the value had to be normalized, else null.
    /// A value of another kind than the schema's types is left to the schema check. <paramref name="depth"/>:
    /// containers above the value within its argument.
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

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                // Checked before the schema: a type, enum or length message must not echo a broken value.
                if (TextRules.StringProblem(value, typed: true, out var length) is { } textRule)
                    throw DomainException.Invalid(path, textRule);
                // The cap where the schema declares no smaller maxLength (a smaller one is the schema's to report).
                if (types.Contains("string") && length > InputLimits.MaxStringLength && !(Number(schema, "maxLength") < InputLimits.MaxStringLength))
                    throw DomainException.Invalid(path, $"must be at most {Format(InputLimits.MaxStringLength)} characters (got {length})");
                return null;

            case JsonValueKind.Number:
                if (!(value.TryGetDouble(out var number) && double.IsFinite(number)))
                    throw DomainException.Invalid(path, TextRules.FiniteRule);
                if (!types.Contains("integer") || types.Contains("number") || !IsIntegral(value))
                    return null;
                if (Math.Abs(number) > MaxSafeInteger)
                    throw DomainException.Invalid(path, $"must be an integer within ±{MaxSafeInteger} (got {Show(value)})");
                // "5.0" is an integer to JSON Schema but not to the binder.
                return value.TryGetInt64(out _) ? null : JsonSerializer.SerializeToElement((long)number);

            case JsonValueKind.Array when types.Contains("array"):
                if (depth + 1 > InputLimits.MaxValueDepth)
                    throw DomainException.Invalid(path, TextRules.DepthRule);
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

            case JsonValueKind.Object when types.Contains("object"):
                if (depth + 1 > InputLimits.MaxValueDepth)
                    throw DomainException.Invalid(path, TextRules.DepthRule);
                if (schema.TryGetProperty("additionalProperties", out var valueSchema) && valueSchema.ValueKind == JsonValueKind.Object)
                {
                    foreach (var member in value.EnumerateObject())
                    {
                        var key = Key(path, member);
                        if (Check($"{path}.{key}", member.Value, valueSchema, depth + 1) is not null)
                            throw DomainException.Invalid($"{path}.{key}", "has an unexpected form");
                    }
                    return null;
                }
                var nested = NormalizeNested(schema, value.EnumerateObject().Select(x => KeyValuePair.Create(Key(path, x), x.Value)), path, depth + 1);
                return JsonSerializer.SerializeToElement(nested);

            default:
                return null;
        }
    }

    // Nested objects report the full path ("samples[2].input").
    private static Dictionary<string, JsonElement> NormalizeNested(JsonElement schema, IEnumerable<KeyValuePair<string, JsonElement>> members, string path, int depth)
    {
        try
        {
            return Normalize(schema, members, "property", depth);
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

    // ---- The schema's verdict in our words ----

    private sealed record Failure(int Argument, int Depth, int Priority, string Path, string Rule);

    // Assertions told in our words, in the order one value is reported by: its kind before its value before its size.
    private static readonly string[] Assertions =
        ["type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "required"];

    /// <summary>
    /// The failure a client is told: the first argument's (in the order sent), outermost first, then by
    /// <see cref="Assertions"/>; a missing required parameter after every argument given.
    /// </summary>
    private static Failure? FirstFailure(JsonElement schema, JsonElement instance, Dictionary<string, JsonElement> arguments, EvaluationResults results)
    {
        var order = arguments.Keys.ToList();
        var failures = new List<Failure>();
        Collect(results);
        return failures.OrderBy(f => f.Argument).ThenBy(f => f.Depth).ThenBy(f => f.Priority).FirstOrDefault();

        void Collect(EvaluationResults node)
        {
            foreach (var keyword in node.Errors?.Keys ?? Enumerable.Empty<string>())
            {
                var priority = Array.IndexOf(Assertions, keyword);
                if (priority < 0)
                    continue; // applicators (properties, items …) fail because an assertion below them did
                var segments = Segments(node.InstanceLocation.ToString());
                var subschema = SchemaAt(schema, instance, segments);
                // Values as the client sent them (the evaluated copy re-escapes strings).
                var value = segments.Count == 0 ? instance
                    : arguments.TryGetValue(segments[0], out var sent) ? Resolve(sent, segments[1..]) : null;
                if (subschema is not { } s || value is not { } v)
                    continue;
                var (path, rule) = Explain(keyword, s, v, Path(instance, segments));
                var argument = segments.Count == 0 ? int.MaxValue : order.IndexOf(segments[0]);
                failures.Add(new Failure(argument, segments.Count, priority, path, rule));
            }
            foreach (var detail in node.Details ?? [])
                Collect(detail);
        }
    }

    private static (string Path, string Rule) Explain(string keyword, JsonElement schema, JsonElement value, string path)
    {
        switch (keyword)
        {
            case "type":
                return (path, $"must be {Describe(Types(schema))} (got {Show(value)})");
            case "enum" or "const":
                var allowed = keyword == "enum" ? schema.GetProperty("enum").EnumerateArray().ToList() : [schema.GetProperty("const")];
                var list = string.Join(", ", allowed.Where(a => a.ValueKind != JsonValueKind.Null).Select(a => a.ToString()));
                return (path, $"must be one of {list} (got {Show(value)})");
            case "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum":
                return (path, $"{RangeRule(schema)} (got {Format(value.GetDouble())})");
            case "minLength" or "maxLength":
                TextRules.StringProblem(value, typed: true, out var length);
                return (path, keyword == "minLength"
                    ? length == 0 ? "must not be empty" : $"must be at least {Number(schema, "minLength")} characters (got {length})"
                    : $"must be at most {Format(Number(schema, "maxLength")!.Value)} characters (got {length})");
            case "minItems":
                return (path, $"must have at least {Number(schema, "minItems")} items (got {value.GetArrayLength()})");
            case "maxItems":
                return (path, $"must have at most {Number(schema, "maxItems")} items (got {value.GetArrayLength()})");
            default: // required: the first name the schema requires that the value lacks
                var missing = RequiredNames(schema).FirstOrDefault(n => !value.TryGetProperty(n, out _)) ?? "?";
                return path.Length == 0
                    ? (missing, "required parameter is missing")
                    : ($"{path}.{missing}", "required property is missing");
        }
    }

    private static string RangeRule(JsonElement schema) =>
        (Number(schema, "minimum") ?? Number(schema, "exclusiveMinimum"), Number(schema, "maximum") ?? Number(schema, "exclusiveMaximum")) switch
        {
            ({ } a, { } b) => $"must be between {Format(a)} and {Format(b)}",
            ({ } a, null) => $"must be at least {Format(a)}",
            (null, { } b) => $"must be at most {Format(b)}",
            _ => "is out of range",
        };

    // RFC 6901 segments: "/samples/0/input" → samples, 0, input.
    private static List<string> Segments(string pointer) =>
        pointer.Length == 0 ? [] : pointer[1..].Split('/').Select(s => s.Replace("~1", "/").Replace("~0", "~")).ToList();

    /// <summary>
    /// The subschema that governs the value at <paramref name="segments"/>, found by walking properties, items and
    /// additionalProperties along the instance (the library's evaluation paths are not reliable to resolve).
    /// </summary>
    private static JsonElement? SchemaAt(JsonElement schema, JsonElement instance, List<string> segments)
    {
        var current = schema;
        var value = instance;
        foreach (var segment in segments)
        {
            if (value.ValueKind == JsonValueKind.Array && current.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object)
                current = items;
            else if (value.ValueKind == JsonValueKind.Object && current.TryGetProperty("properties", out var properties)
                     && properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(segment, out var property))
                current = property;
            else if (value.ValueKind == JsonValueKind.Object && current.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object)
                current = additional;
            else
                return null;
            if (Resolve(value, [segment]) is not { } next)
                return null;
            value = next;
        }
        return current;
    }

    private static JsonElement? Resolve(JsonElement root, List<string> segments)
    {
        var current = root;
        foreach (var segment in segments)
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var next))
                current = next;
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < current.GetArrayLength())
                current = current[i];
            else
                return null;
        }
        return current;
    }

    // The path a client reads: "samples[0].input", "meta.a".
    private static string Path(JsonElement instance, List<string> segments)
    {
        var path = new StringBuilder();
        var current = instance;
        foreach (var segment in segments)
        {
            if (current.ValueKind == JsonValueKind.Array)
            {
                path.Append('[').Append(segment).Append(']');
                current = current[int.Parse(segment, CultureInfo.InvariantCulture)];
            }
            else
            {
                if (path.Length > 0)
                    path.Append('.');
                path.Append(segment);
                current = current.GetProperty(segment);
            }
        }
        return path.ToString();
    }

    // ---- Shared wording ----

    private static string Shorten(string name) => name.Length > 64 ? name[..61] + "..." : name;

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
