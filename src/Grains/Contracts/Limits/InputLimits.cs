namespace SwarmCluster.Contracts;

/// <summary>
/// Limits every input passes at the door (HTTP bodies, tool arguments on every transport) and that grains
/// enforce again before they write. Each is defined once, here.
/// </summary>
public static class InputLimits
{
    /// <summary>
    /// Deepest nesting of arrays/objects any JSON document may have: System.Text.Json's default, which the MCP
    /// SDK's fixed serializer options apply to every message it reads and writes.
    /// </summary>
    public const int MaxJsonDepth = 64;

    /// <summary>
    /// Containers around a stored value in the deepest answer that returns one: JSON-RPC response → result →
    /// structuredContent → entries → entry (memory_usage list/search over MCP).
    /// </summary>
    public const int DeepestResponseEnvelope = 5;

    /// <summary>
    /// Deepest nesting a JSON argument value may have (a scalar is 0, <c>[]</c> is 1, <c>{"a":[1]}</c> is 2):
    /// exactly what still fits in <see cref="MaxJsonDepth"/> inside the deepest answer, so whatever is accepted
    /// can be read back by every tool and transport.
    /// </summary>
    public const int MaxValueDepth = MaxJsonDepth - DeepestResponseEnvelope;

    /// <summary>
    /// Largest HTTP request body (MCP POST and REST mirror). The largest legitimate calls are batches of
    /// vectors (neural_train: 1000 samples of 128 + up to 100 numbers, neural_process: 1024 × 128 numbers),
    /// a few MB of JSON.
    /// </summary>
    public const int MaxRequestBytes = 8 * 1024 * 1024;

    /// <summary>Longest string argument of a parameter that declares no smaller maxLength (the largest one declared: task output).</summary>
    public const int MaxStringLength = 65_536;
}
