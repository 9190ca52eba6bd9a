using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using SwarmCluster.Contracts;

namespace SwarmCluster.Gateway.Mcp;

/// <summary>
/// Incoming MCP messages on every transport, before the SDK reads them into its types: a tools/call needs
/// params as an object, a string name and arguments as an object (or none), and no text anywhere may hold a
/// lone surrogate (the SDK cannot re-serialize it). The SDK answers each of these with an unnamed -32603;
/// here a malformed request gets -32602 naming the field, and a bad argument the tool's own isError result
/// naming the parameter, like every other argument error.
/// </summary>
public static class ToolCallGuard
{
    public static McpMessageFilter Filter { get; } = next => async (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcRequest request && CheckRequest(request) is { } badArgument)
        {
            // The answer a tool gives for a bad argument. The server in the context is bound to the request's
            // transport, so the response goes where the request came from.
            await context.Server.SendMessageAsync(new JsonRpcResponse
            {
                Id = request.Id,
                Result = JsonSerializer.SerializeToNode(ToolResults.Failure(badArgument), McpJsonUtilities.DefaultOptions),
            }, cancellationToken);
            return;
        }
        await next(context, cancellationToken);
    };

    /// <summary>Throws -32602 for a malformed request; returns the error for a bad tool argument; null when fine.</summary>
    public static ToolError? CheckRequest(JsonRpcRequest request)
    {
        if (request.Method != RequestMethods.ToolsCall)
        {
            if (request.Params is { } other && TextProblem(other, "params") is { } problem)
                throw Invalid(problem.Path, problem.Rule);
            return null;
        }

        if (request.Params is not JsonObject parameters)
            throw Invalid("params", $"must be an object with the tool's name and arguments (got {Kind(request.Params)})");
        var members = Members(parameters, "params");
        if (!members.TryGetValue("name", out var nameNode) || nameNode is null)
            throw Invalid("params.name", "required: the name of the tool to call");
        if (nameNode.GetValueKind() != JsonValueKind.String)
            throw Invalid("params.name", $"must be a string (got {Kind(nameNode)})");
        if (TextRule(nameNode) is { } nameRule)
            throw Invalid("params.name", nameRule);

        foreach (var (key, node) in members)
        {
            if (key is "name" or "arguments" || node is null)
                continue;
            if (TextProblem(node, "params." + key) is { } problem)
                throw Invalid(problem.Path, problem.Rule);
        }

        if (!members.TryGetValue("arguments", out var arguments) || arguments is null)
            return null;
        if (arguments is not JsonObject argumentObject)
            throw Invalid("params.arguments", $"must be an object of the tool's arguments (got {Kind(arguments)})");

        // From here on the request is well formed: a bad argument is the tool's error, naming the parameter.
        if (TryMembers(argumentObject, "", out var values) is { } keyProblem)
            return new ToolError(ToolError.InvalidArgument, keyProblem.Path.Length > 0 ? keyProblem.Path : null,
                $"{(keyProblem.Path.Length > 0 ? keyProblem.Path : "arguments")}: {keyProblem.Rule}");
        foreach (var (name, node) in values)
        {
            if (node is not null && TextProblem(node, name) is { } problem)
                return new ToolError(ToolError.InvalidArgument, name, $"{problem.Path}: {problem.Rule}");
        }
        return null;
    }

    private static Dictionary<string, JsonNode?> Members(JsonObject node, string path) =>
        TryMembers(node, path, out var members) is { } problem ? throw Invalid(problem.Path.Length > 0 ? problem.Path : path, problem.Rule) : members;

    // Reading the keys of an object the SDK parsed throws on a lone surrogate or a duplicate key.
    private static (string Path, string Rule)? TryMembers(JsonObject node, string path, out Dictionary<string, JsonNode?> members)
    {
        members = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        try
        {
            foreach (var (key, value) in node)
            {
                if (TextRules.UnicodeProblem(key) is { } rule)
                    return (path, "keys " + rule);
                if (!members.TryAdd(key, value))
                    return (path.Length > 0 ? $"{path}.{key}" : key, "given twice");
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return (path, $"keys must be unique and {TextRules.LoneSurrogateRule}");
        }
        return null;
    }

    private static (string Path, string Rule)? TextProblem(JsonNode node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                if (TryMembers(obj, path, out var members) is { } keyProblem)
                    return keyProblem;
                foreach (var (key, value) in members)
                    if (value is not null && TextProblem(value, $"{path}.{key}") is { } inner)
                        return inner;
                return null;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    if (array[i] is { } item && TextProblem(item, $"{path}[{i}]") is { } inner)
                        return inner;
                return null;
            default:
                return node.GetValueKind() == JsonValueKind.String && TextRule(node) is { } rule ? (path, rule) : null;
        }
    }

    private static string? TextRule(JsonNode node)
    {
        var value = node.AsValue();
        return value.TryGetValue<JsonElement>(out var element)
            ? TextRules.StringProblem(element, typed: false, out _)
            : TextRules.UnicodeProblem(value.GetValue<string>());
    }

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "an array",
        JsonObject => "an object",
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        },
    };

    private static McpProtocolException Invalid(string field, string rule) =>
        new($"{field}: {rule}", McpErrorCode.InvalidParams);
}
