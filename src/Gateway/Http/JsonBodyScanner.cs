using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using SwarmCluster.Contracts;

namespace SwarmCluster.Gateway.Http;

/// <summary>What is wrong with a body: where, the tool parameter it belongs to (if any) and the rule.</summary>
/// <param name="Parameter">The argument at fault when the problem lies inside the tool's arguments, else null.</param>
/// <param name="Field">The path below the arguments for an argument ("value.d[3]"), else from the root ("params._meta"; "" for the whole body).</param>
/// <param name="Syntax">The body is not JSON (nothing after this point was read).</param>
public sealed record BodyProblem(string? Parameter, string Field, string Rule, bool Syntax);

/// <summary>The outcome of a scan, with the JSON-RPC fields needed to address an answer even to a bad body.</summary>
public sealed record BodyScan(BodyProblem? Problem, JsonValueKind RootKind, string? IdJson, string? Method, string? ToolName);

/// <summary>
/// One pass over a request body before anything parses it for real: valid JSON, every key and string valid
/// UTF-8 without a lone surrogate, no key twice in one object, an argument value nested at most
/// <see cref="InputLimits.MaxValueDepth"/> deep and the whole document at most <see cref="InputLimits.MaxJsonDepth"/>.
/// Records the first problem, then keeps reading only to learn the JSON-RPC id, method and tool name.
/// </summary>
public static class JsonBodyScanner
{
    private const string InvalidUtf8 = "must be valid UTF-8 text (it holds bytes that are not UTF-8)";

    // Frames are kept down to one level past the document limit: deeper is a problem already recorded.
    private const int FrameLimit = InputLimits.MaxJsonDepth + 1;

    /// <summary>Where a value sits in its container: a key or an array index.</summary>
    private readonly record struct Step(string? Name, int Index)
    {
        public static readonly Step None = new(null, -1);

        public override string? ToString() => Name ?? (Index >= 0 ? $"[{Index}]" : null);
    }

    private sealed class Frame(Step step, bool isArray, bool onArgumentsPath, int argumentDepth)
    {
        public Step Step { get; } = step;
        public bool IsArray { get; } = isArray;

        /// <summary>Its path so far equals the start of the arguments path.</summary>
        public bool OnArgumentsPath { get; } = onArgumentsPath;

        /// <summary>Containers from the argument value down to this one (1 for the argument itself), 0 outside the arguments.</summary>
        public int ArgumentDepth { get; } = argumentDepth;

        /// <summary>Keys and indexes from the root to this container.</summary>
        public int PathLength { get; init; }

        public string? PendingName { get; set; }
        public HashSet<string>? Names { get; set; }
        private int _index = -1;

        public Step Next()
        {
            if (IsArray)
                return new Step(null, ++_index);
            var name = PendingName;
            PendingName = null;
            return new Step(name, -1);
        }
    }

    /// <param name="argumentsPath">Where a tool's arguments sit: [] for a REST body, ["params", "arguments"] for tools/call.</param>
    public static BodyScan Scan(ReadOnlySpan<byte> body, IReadOnlyList<string> argumentsPath)
    {
        // The reader's own depth limit would throw without a path; ours is checked below.
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = int.MaxValue });
        var frames = new List<Frame>();
        var depth = 0;
        BodyProblem? problem = null;
        var root = JsonValueKind.Undefined;
        string? id = null, method = null, tool = null;

        BodyProblem At(Step step, string rule, bool syntax = false) =>
            Locate(frames.Skip(1).Select(f => f.Step).Append(step), argumentsPath, rule, syntax);

        try
        {
            while (reader.Read())
            {
                var token = reader.TokenType;
                var frame = depth is > 0 and <= FrameLimit ? frames[^1] : null;
                if (token == JsonTokenType.PropertyName)
                {
                    if (frame is null)
                        continue;
                    if (problem is null)
                    {
                        var (name, rule) = ReadText(ref reader);
                        if (rule is not null)
                            problem = At(Step.None, "keys " + rule);
                        else if (!(frame.Names ??= new HashSet<string>(StringComparer.Ordinal)).Add(name))
                            problem = At(new Step(name, -1), "is given twice (a key may appear once per object)");
                        frame.PendingName = name;
                    }
                    else if (depth <= 2)
                    {
                        frame.PendingName = ReadText(ref reader).Text;
                    }
                    continue;
                }

                var step = frame?.Next() ?? Step.None;
                switch (token)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        if (depth == 0)
                            root = token == JsonTokenType.StartObject ? JsonValueKind.Object : JsonValueKind.Array;
                        depth++;
                        if (depth <= FrameLimit)
                            frames.Add(Open(frame, step, token == JsonTokenType.StartArray, argumentsPath));
                        // Too deep concerns the whole argument (or envelope field): name it, not the innermost path.
                        if (problem is null && DepthRule(depth, depth <= FrameLimit ? frames[^1].ArgumentDepth : 0) is { } depthRule)
                            problem = Locate(frames.Skip(1).Take(argumentsPath.Count + 1).Select(f => f.Step), argumentsPath, depthRule, syntax: false);
                        break;

                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        if (depth <= FrameLimit)
                            frames.RemoveAt(frames.Count - 1);
                        depth--;
                        break;

                    case JsonTokenType.String:
                        if (depth == 0)
                            root = JsonValueKind.String;
                        var envelope = depth == 1 && step.Name is "method" or "id" || depth == 2 && step.Name == "name" && frames[1].Step.Name == "params";
                        if (problem is null && !envelope && TextRule(ref reader) is { } textRule)
                            problem = At(step, textRule);
                        if (!envelope)
                            break;
                        var (text, rule) = ReadText(ref reader);
                        if (problem is null && rule is not null)
                            problem = At(step, rule);
                        if (depth == 1 && step.Name == "method")
                            method = text;
                        else if (depth == 1)
                            id = JsonSerializer.Serialize(text);
                        else
                            tool = text;
                        break;

                    default:
                        if (depth == 0)
                            root = token switch { JsonTokenType.Number => JsonValueKind.Number, JsonTokenType.Null => JsonValueKind.Null, _ => JsonValueKind.True };
                        if (depth == 1 && step.Name == "id" && token is JsonTokenType.Number or JsonTokenType.Null)
                            id = Encoding.UTF8.GetString(reader.ValueSpan);
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            // Blame the member being read, if any; drop the reader's line/byte noise for our own offset.
            var reason = e.Message.Split(" LineNumber:", 2)[0].TrimEnd('.', ' ');
            var pending = depth is > 0 and <= FrameLimit && !frames[^1].IsArray ? new Step(frames[^1].PendingName, -1) : Step.None;
            problem ??= At(pending, $"is not valid JSON ({reason}, at byte {reader.BytesConsumed})", syntax: true);
        }
        return new BodyScan(problem, root, id, method, tool);
    }

    private static Frame Open(Frame? parent, Step step, bool isArray, IReadOnlyList<string> argumentsPath)
    {
        if (parent is null)
            return new Frame(step, isArray, onArgumentsPath: true, argumentDepth: 0); // the root: an empty path
        var length = parent.PathLength + 1;
        if (parent.ArgumentDepth > 0)
            return new Frame(step, isArray, false, parent.ArgumentDepth + 1) { PathLength = length };
        if (parent.OnArgumentsPath && parent.PathLength == argumentsPath.Count)
            return new Frame(step, isArray, false, 1) { PathLength = length }; // an argument's own value
        var onPath = parent.OnArgumentsPath && parent.PathLength < argumentsPath.Count && step.Name == argumentsPath[parent.PathLength];
        return new Frame(step, isArray, onPath, 0) { PathLength = length };
    }

    // An argument value may nest MaxValueDepth deep below the argument; anything else the document limit.
    private static string? DepthRule(int depth, int argumentDepth) =>
        depth > InputLimits.MaxJsonDepth ? $"must not nest arrays/objects more than {InputLimits.MaxJsonDepth} levels deep"
        : argumentDepth > InputLimits.MaxValueDepth ? TextRules.DepthRule
        : null;

    private static BodyProblem Locate(IEnumerable<Step> steps, IReadOnlyList<string> argumentsPath, string rule, bool syntax)
    {
        var path = steps.Select(s => s.ToString()).Where(s => s is not null).Cast<string>().ToList();
        var inArguments = path.Count > argumentsPath.Count && path.Take(argumentsPath.Count).SequenceEqual(argumentsPath);
        var own = inArguments ? path.Skip(argumentsPath.Count).ToList() : path;
        var field = string.Concat(own.Select((s, i) => i == 0 || s.StartsWith('[') ? s : "." + s));
        return new BodyProblem(inArguments && !own[0].StartsWith('[') ? own[0] : null, field, rule, syntax);
    }

    // A string value only needs checking; its text is read (allocated) only when it holds escapes.
    private static string? TextRule(ref Utf8JsonReader reader)
    {
        if (!Utf8.IsValid(reader.ValueSpan))
            return InvalidUtf8;
        return reader.ValueIsEscaped ? ReadText(ref reader).Rule : null;
    }

    // A key or string's text, or the rule it breaks: raw bytes must be UTF-8, escapes must not leave a lone surrogate.
    private static (string Text, string? Rule) ReadText(ref Utf8JsonReader reader)
    {
        if (!Utf8.IsValid(reader.ValueSpan))
            return ("", InvalidUtf8);
        if (!reader.ValueIsEscaped)
            return (Encoding.UTF8.GetString(reader.ValueSpan), null);
        try
        {
            var text = reader.GetString()!;
            return (text, TextRules.UnicodeProblem(text));
        }
        catch (InvalidOperationException)
        {
            return ("", $"{TextRules.LoneSurrogateRule} (it holds a lone UTF-16 surrogate)");
        }
    }
}
