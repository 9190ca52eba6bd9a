using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace SwarmCluster.Gateway.Mcp;

/// <summary>JSON settings for tool arguments and results.</summary>
public static class ToolJson
{
    /// <summary>
    /// Results: camelCase names, enums as ruv-swarm's lower-case strings ("in_progress"), nulls kept so every
    /// field is always present (a missing field and an unknown value look different to a client).
    /// </summary>
    public static readonly JsonSerializerOptions Results = Freeze(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        // Read by programs and models, never embedded in HTML: keep "+", "'" and non-ASCII readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // A NaN from the network must not turn a good answer into a serialization failure.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    });

    /// <summary>
    /// Arguments: already checked against the input schema, so binding is strict. Enum parameters are published and
    /// read as ruv-swarm's lower-case names ("researcher", "in_progress"; [JsonStringEnumMemberName] where it differs).
    /// </summary>
    public static readonly JsonSerializerOptions Arguments = Freeze(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    });

    private static JsonSerializerOptions Freeze(JsonSerializerOptions options)
    {
        options.MakeReadOnly();
        return options;
    }
}
