using System.Globalization;
using System.Text;
using System.Text.Json;
using SwarmCluster.Contracts;

namespace SwarmCluster.Gateway.Tests.Infrastructure;

/// <summary>
/// One generated call: the raw UTF-8 JSON object of arguments (raw, so it can hold what no serializer
/// writes: lone surrogates, invalid UTF-8, duplicate keys, 1e400) and what must come back.
/// </summary>
/// <param name="MustRefuse">The published schema or a door rule forbids it: only an invalid_argument naming <paramref name="Target"/> passes.</param>
/// <param name="RawOnly">Only raw HTTP can carry it (a JavaScript client cannot produce it).</param>
public sealed record HostileCase(int Number, string Tool, string Target, string Label, byte[] Arguments, bool MustRefuse, bool RawOnly)
{
    public string Id => "c" + Number.ToString(CultureInfo.InvariantCulture);

    /// <summary>Written into every free text of the call; if the call was refused it must never reach storage.</summary>
    public string Marker => HostileCases.Marker(Number);

    public override string ToString() =>
        $"{Id} {Tool}.{Target} {Label} ({(MustRefuse ? "must refuse" : "may accept")}): {Preview(Arguments)}";

    private static string Preview(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        return text.Length > 160 ? text[..160] + $"... ({bytes.Length} bytes)" : text;
    }
}

/// <summary>
/// Derives bad calls from a tool's published input schema (tools/list): for every parameter, wrong types,
/// null, missing, empty and oversized strings, values outside enums and ranges, numeric edges (±1e308,
/// 2^53+1, 1e400), unicode traps (lone surrogates, NUL and other controls, invalid UTF-8), oversized arrays,
/// deep nesting, duplicate keys; per tool an unknown parameter and a baseline of valid values.
/// </summary>
public sealed class HostileCases(IReadOnlyDictionary<string, string> livingIds)
{
    private int _next = 1;

    public static string Marker(int number) => "hqm" + number.ToString("D6", CultureInfo.InvariantCulture) + "q";

    public List<HostileCase> ForTool(string tool, JsonElement inputSchema)
    {
        var properties = inputSchema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object
            ? p.EnumerateObject().Select(x => (x.Name, Schema: x.Value)).ToList()
            : [];
        var required = inputSchema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(x => x.GetString()!).ToHashSet(StringComparer.Ordinal)
            : [];
        var cases = new List<HostileCase>();

        void Add(string target, string label, Func<string, IEnumerable<(string Name, byte[] Value)>> members, bool mustRefuse, bool rawOnly = false)
        {
            var number = _next++;
            cases.Add(new HostileCase(number, tool, target, label, Object(members(Marker(number))), mustRefuse, rawOnly));
        }

        // Every parameter with a valid value: the baseline each case changes one thing in.
        IEnumerable<(string, byte[])> Baseline(string marker, string? except = null) =>
            properties.Where(x => x.Name != except).Select(x => (x.Name, Valid(x.Name, x.Schema, marker)));

        IEnumerable<(string, byte[])> With(string marker, string name, byte[] value) =>
            Baseline(marker, name).Append((name, value));

        Add("*", "baseline", m => Baseline(m), mustRefuse: false);
        Add("*", "required only", m => properties.Where(x => required.Contains(x.Name)).Select(x => (x.Name, Valid(x.Name, x.Schema, m))), mustRefuse: false);
        Add("zzUnknown", "unknown parameter", m => Baseline(m).Append(("zzUnknown", Utf8("1"))), mustRefuse: true);
        if (properties.Count > 0)
        {
            var (first, firstSchema) = properties.FirstOrDefault(x => required.Contains(x.Name)) is { Name: not null } req ? req : properties[0];
            Add(first, "duplicate key", m => Baseline(m).Append((first, Valid(first, firstSchema, m))), mustRefuse: true, rawOnly: true);
        }

        var hugeSent = false; // one 1 MiB string per tool is enough to show the size rule
        foreach (var (name, schema) in properties)
        {
            var types = Types(schema);
            var isRequired = required.Contains(name);
            var hasEnum = schema.TryGetProperty("enum", out _);

            if (isRequired)
                Add(name, "missing", m => Baseline(m, name), mustRefuse: true);
            Add(name, "null", m => With(m, name, Utf8("null")), mustRefuse: isRequired && !types.Contains("null"));

            // Wrong JSON kinds: each kind the schema does not allow must be refused.
            if (types.Count > 0)
            {
                foreach (var (kind, json) in new[] { ("string", "\"MARK\""), ("integer", "7"), ("number", "1.5"), ("boolean", "true"), ("array", "[]"), ("object", "{}") })
                {
                    var allowed = types.Contains(kind) || kind == "integer" && types.Contains("number");
                    if (!allowed)
                        Add(name, "wrong type " + kind, m => With(m, name, Utf8(json.Replace("MARK", m, StringComparison.Ordinal))), mustRefuse: true);
                }
            }

            if (types.Contains("string"))
            {
                StringCases(name, schema, hasEnum, huge: !hugeSent, Add, With);
                hugeSent = true;
            }
            if (types.Contains("integer") || types.Contains("number"))
                NumberCases(name, schema, types.Contains("integer") && !types.Contains("number"), Add, With);
            if (types.Contains("array"))
                ArrayCases(name, schema, Add, With);
            if (types.Contains("object"))
                ObjectCases(name, schema, Add, With);
            if (types.Count == 0)
                AnyValueCases(name, Add, With);
        }
        return cases;
    }

    private delegate void AddCase(string target, string label, Func<string, IEnumerable<(string Name, byte[] Value)>> members, bool mustRefuse, bool rawOnly = false);

    private delegate IEnumerable<(string Name, byte[] Value)> WithValue(string marker, string name, byte[] value);

    private static void StringCases(string name, JsonElement schema, bool hasEnum, bool huge, AddCase add, WithValue with)
    {
        var minLength = Number(schema, "minLength") is { } min ? (int)min : 0;
        var maxLength = Number(schema, "maxLength") is { } max ? (int)max : InputLimits.MaxStringLength;
        void Text(string label, Func<string, string> jsonText, bool mustRefuse, bool rawOnly = false) =>
            add(name, label, m => with(m, name, Utf8(jsonText(m))), mustRefuse, rawOnly);
        void Bytes(string label, Func<string, byte[]> value) => add(name, label, m => with(m, name, value(m)), mustRefuse: true, rawOnly: true);

        Text("empty", _ => "\"\"", mustRefuse: minLength > 0 || hasEnum);
        Text("at maxLength", m => Quote(Pad(m, maxLength)), mustRefuse: hasEnum);
        Text("over maxLength", m => Quote(Pad(m, maxLength + 1)), mustRefuse: true);
        if (huge)
            Text("1 MiB", m => Quote(Pad(m, 1 << 20)), mustRefuse: true);
        if (hasEnum)
        {
            Text("outside enum", m => Quote(m), mustRefuse: true);
            var first = schema.GetProperty("enum").EnumerateArray().First(e => e.ValueKind == JsonValueKind.String).GetString()!;
            Text("enum in upper case", _ => Quote(first.ToUpperInvariant()), mustRefuse: true);
        }

        // Unicode traps, written as JSON escapes so they reach the server exactly so.
        Text("lone high surrogate", m => $"\"{m}\\ud800y\"", mustRefuse: true);
        Text("lone low surrogate", m => $"\"\\udc00{m}\"", mustRefuse: true);
        Text("surrogates reversed", m => $"\"{m}\\udc00\\ud800\"", mustRefuse: true);
        Text("NUL", m => $"\"{m}\\u0000x\"", mustRefuse: true);
        Text("ESC", m => $"\"{m}\\u001b[31m\"", mustRefuse: true);
        Text("DEL", m => $"\"{m}\\u007f\"", mustRefuse: true);
        Text("C1 control", m => $"\"{m}\\u0085\"", mustRefuse: true);
        Text("emoji (valid pair)", m => $"\"{m}\\ud83d\\ude00\"", mustRefuse: hasEnum);
        Text("tab and line breaks", m => $"\"{m}\\tx\\r\\ny\"", mustRefuse: hasEnum);
        Text("BOM, RTL override, U+FFFD", m => $"\"\\ufeff{m}\\u202e\\ufffd\"", mustRefuse: hasEnum);

        // Bytes no JSON text may hold; only a raw HTTP client sends them.
        Bytes("invalid UTF-8 byte", m => Concat(Utf8($"\"{m}"), [0xFF], Utf8("\"")));
        Bytes("overlong UTF-8", m => Concat(Utf8($"\"{m}"), [0xC0, 0xAF], Utf8("\"")));
        Bytes("UTF-8 encoded surrogate", m => Concat(Utf8($"\"{m}"), [0xED, 0xA0, 0x80], Utf8("\"")));
        Bytes("truncated UTF-8 sequence", m => Concat(Utf8($"\"{m}"), [0xE2, 0x82], Utf8("\"")));
    }

    private static void NumberCases(string name, JsonElement schema, bool integer, AddCase add, WithValue with)
    {
        var min = Number(schema, "minimum");
        var max = Number(schema, "maximum");
        bool Outside(double v) => v < (min ?? double.NegativeInfinity) || v > (max ?? double.PositiveInfinity);
        void Value(string label, string json, double value, bool rawOnly = false) =>
            add(name, label, m => with(m, name, Utf8(json)), mustRefuse: Outside(value) || !double.IsFinite(value), rawOnly);

        if (min is { } lo)
            Value("below minimum", Format(lo - 1), lo - 1);
        if (max is { } hi)
            Value("above maximum", Format(hi + 1), hi + 1);
        Value("1e308", "1e308", 1e308);
        Value("-1e308", "-1e308", -1e308);
        Value("2^53+1", "9007199254740993", 9007199254740993d);
        Value("negative zero", "-0", 0);
        Value("1e400 (overflows a double)", "1e400", double.PositiveInfinity, rawOnly: true);
        Value("-1e400", "-1e400", double.NegativeInfinity, rawOnly: true);
        add(name, "NaN literal", m => with(m, name, Utf8("NaN")), mustRefuse: true, rawOnly: true);
        if (integer)
            Value("integral written as float", Format(min ?? 1) + ".0", min ?? 1);
    }

    private void ArrayCases(string name, JsonElement schema, AddCase add, WithValue with)
    {
        var items = schema.TryGetProperty("items", out var i) && i.ValueKind == JsonValueKind.Object ? i : default;
        var itemTypes = items.ValueKind == JsonValueKind.Object ? Types(items) : [];
        byte[] ValidItem(string m) => items.ValueKind == JsonValueKind.Object ? Valid(name + "[]", items, m) : Utf8("1");

        if (Number(schema, "maxItems") is { } maxItems)
            add(name, "over maxItems", m => with(m, name, Array(Enumerable.Repeat(ValidItem(m), (int)maxItems + 1))), mustRefuse: true);
        else
            add(name, "10000 items", m => with(m, name, Array(Enumerable.Repeat(ValidItem(m), 10_000))), mustRefuse: false);

        if (itemTypes.Count > 0 && !itemTypes.Contains("object"))
            add(name, "item of wrong type", m => with(m, name, Utf8("[{}]")), mustRefuse: true);
        if (itemTypes.Count > 0 && !itemTypes.Contains("array"))
            add(name, "nested array item", m => with(m, name, Utf8("[[[1]]]")), mustRefuse: true);
        if (itemTypes.Contains("string"))
        {
            add(name, "item with lone surrogate", m => with(m, name, Utf8($"[\"{m}\\ud800\"]")), mustRefuse: true);
            add(name, "item with NUL", m => with(m, name, Utf8($"[\"{m}\\u0000\"]")), mustRefuse: true);
        }
        if (itemTypes.Contains("object") && items.TryGetProperty("properties", out _))
        {
            add(name, "item with unknown property", m => with(m, name, Array([InsertMember(ValidItem(m), "zzUnknown", Utf8("1"))])), mustRefuse: true);
            if (items.TryGetProperty("required", out var req) && req.GetArrayLength() > 0)
                add(name, "item missing a required property", m => with(m, name, Utf8("[{}]")), mustRefuse: true);
        }
    }

    private static void ObjectCases(string name, JsonElement schema, AddCase add, WithValue with)
    {
        var values = schema.TryGetProperty("additionalProperties", out var v) && v.ValueKind == JsonValueKind.Object ? Types(v) : [];
        add(name, "key with NUL", m => with(m, name, Utf8($"{{\"{m}\\u0000\":\"x\"}}")), mustRefuse: true);
        add(name, "key with lone surrogate", m => with(m, name, Utf8($"{{\"{m}\\udfff\":\"x\"}}")), mustRefuse: true);
        add(name, "duplicate inner key", m => with(m, name, Utf8($"{{\"{m}\":\"a\",\"{m}\":\"b\"}}")), mustRefuse: true, rawOnly: true);
        add(name, "deep object", m => with(m, name, Nest(InputLimits.MaxValueDepth + 1, m)), mustRefuse: true);
        if (values.Contains("string"))
        {
            add(name, "value with lone surrogate", m => with(m, name, Utf8($"{{\"k\":\"{m}\\ud800\"}}")), mustRefuse: true);
            add(name, "value with NUL", m => with(m, name, Utf8($"{{\"k\":\"{m}\\u0000\"}}")), mustRefuse: true);
            add(name, "value of wrong type", m => with(m, name, Utf8($"{{\"{m}\":[1]}}")), mustRefuse: true);
            add(name, "many entries", m => with(m, name, Object(Enumerable.Range(0, 100).Select(i => ($"{m}{i}", Utf8("\"v\""))))), mustRefuse: false);
        }
    }

    private static void AnyValueCases(string name, AddCase add, WithValue with)
    {
        add(name, $"nested {InputLimits.MaxValueDepth} deep (the limit)", m => with(m, name, Nest(InputLimits.MaxValueDepth, m)), mustRefuse: false);
        add(name, $"nested {InputLimits.MaxValueDepth + 1} deep", m => with(m, name, Nest(InputLimits.MaxValueDepth + 1, m)), mustRefuse: true);
        add(name, "nested 62 deep (over the SDK's parse depth with the envelope)", m => with(m, name, Nest(62, m)), mustRefuse: true);
        // The Node SDK client overflows its own stack on this one: raw HTTP only.
        add(name, "nested 5000 deep", m => with(m, name, Nest(5000, m)), mustRefuse: true, rawOnly: true);
        add(name, "lone surrogate inside", m => with(m, name, Utf8($"{{\"a\":[\"{m}\\ud800\"]}}")), mustRefuse: true);
        add(name, "lone surrogate in an inner key", m => with(m, name, Utf8($"{{\"{m}\\ud800\":1}}")), mustRefuse: true);
        add(name, "NUL inside (data)", m => with(m, name, Utf8($"{{\"a\":\"{m}\\u0000\"}}")), mustRefuse: false);
        add(name, "1e400 inside", m => with(m, name, Utf8($"{{\"{m}\":1e400}}")), mustRefuse: true, rawOnly: true);
        add(name, "duplicate inner key", m => with(m, name, Utf8($"{{\"{m}\":1,\"{m}\":2}}")), mustRefuse: true, rawOnly: true);
        add(name, "invalid UTF-8 inside", m => with(m, name, Concat(Utf8($"{{\"{m}\":\""), [0xFF, 0xFE], Utf8("\"}"))), mustRefuse: true, rawOnly: true);
        add(name, "128 KiB string", m => with(m, name, Utf8(Quote(Pad(m, 128 * 1024)))), mustRefuse: false);
    }

    /// <summary>A valid value for a parameter: a living id for *Id parameters, else the simplest value the schema allows.</summary>
    private byte[] Valid(string name, JsonElement schema, string marker)
    {
        if (livingIds.TryGetValue(name, out var id))
            return Utf8(Quote(id));
        if (schema.TryGetProperty("enum", out var values) && values.EnumerateArray().FirstOrDefault(x => x.ValueKind != JsonValueKind.Null) is { ValueKind: not JsonValueKind.Undefined } first)
            return Utf8(first.GetRawText());

        var types = Types(schema).Where(t => t != "null").ToList();
        switch (types.FirstOrDefault())
        {
            case "string":
                var minLength = Number(schema, "minLength") is { } min ? (int)min : 0;
                var maxLength = Number(schema, "maxLength") is { } max ? (int)max : int.MaxValue;
                var text = Pad(marker, Math.Max(minLength, marker.Length));
                return Utf8(Quote(text.Length > maxLength ? text[..maxLength] : text));
            case "integer":
                return Utf8(Format(Number(schema, "minimum") ?? Math.Min(1, Number(schema, "maximum") ?? 1)));
            case "number":
                return Utf8(Format(Number(schema, "minimum") ?? Math.Min(0, Number(schema, "maximum") ?? 0)));
            case "boolean":
                return Utf8("false");
            case "array":
                var minItems = Number(schema, "minItems") is { } n ? (int)n : 0;
                var items = schema.TryGetProperty("items", out var i) && i.ValueKind == JsonValueKind.Object ? i : default;
                return Array(Enumerable.Range(0, minItems).Select(_ => items.ValueKind == JsonValueKind.Object ? Valid(name + "[]", items, marker) : Utf8("1")));
            case "object":
                var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
                var required = schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
                    ? r.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
                return Object(required.Where(x => properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(x, out _))
                    .Select(x => (x, Valid(x, properties.GetProperty(x), marker))));
            case null:
                return Utf8($"{{\"note\":\"{marker}\"}}"); // any JSON
            default:
                return Utf8("null");
        }
    }

    public static List<string> Types(JsonElement schema)
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

    private static double? Number(JsonElement schema, string keyword) =>
        schema.TryGetProperty(keyword, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Pad(string marker, int length) =>
        length <= marker.Length ? marker[..Math.Max(0, length)] : marker + new string('x', length - marker.Length);

    private static string Quote(string text) => JsonSerializer.Serialize(text);

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(x => x).ToArray();

    /// <summary>A JSON object from raw members, in order (a name given twice stays twice).</summary>
    public static byte[] Object(IEnumerable<(string Name, byte[] Value)> members)
    {
        using var buffer = new MemoryStream();
        buffer.WriteByte((byte)'{');
        var first = true;
        foreach (var (name, value) in members)
        {
            if (!first)
                buffer.WriteByte((byte)',');
            first = false;
            buffer.Write(Utf8(Quote(name)));
            buffer.WriteByte((byte)':');
            buffer.Write(value);
        }
        buffer.WriteByte((byte)'}');
        return buffer.ToArray();
    }

    private static byte[] Array(IEnumerable<byte[]> items)
    {
        using var buffer = new MemoryStream();
        buffer.WriteByte((byte)'[');
        var first = true;
        foreach (var item in items)
        {
            if (!first)
                buffer.WriteByte((byte)',');
            first = false;
            buffer.Write(item);
        }
        buffer.WriteByte((byte)']');
        return buffer.ToArray();
    }

    private static byte[] InsertMember(byte[] jsonObject, string name, byte[] value)
    {
        var inner = jsonObject.AsSpan(1, jsonObject.Length - 2).ToArray();
        return Concat(Utf8("{"), inner, inner.Length > 0 ? Utf8(",") : [], Utf8(Quote(name) + ":"), value, Utf8("}"));
    }

    /// <summary>A value of exactly <paramref name="depth"/> nested containers: objects and arrays alternating, the marker innermost.</summary>
    public static byte[] Nest(int depth, string marker)
    {
        var text = new StringBuilder();
        for (var i = 0; i < depth; i++)
            text.Append(i % 2 == 0 ? "{\"d\":" : "[");
        text.Append(Quote(marker));
        for (var i = depth - 1; i >= 0; i--)
            text.Append(i % 2 == 0 ? '}' : ']');
        return Utf8(text.ToString());
    }
}
