using System.Buffers;
using System.Text.Json;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// The few lines a bridge and the gateway exchange on the bridge socket around an MCP session:
/// gateway → hello (can it take the client's stdin/stdout?); bridge → mode: "relay" (then MCP lines both ways,
/// after an ack) or "handoff" (with the two descriptors attached, plus what the bridge already knows: the client's
/// initialize and input read but not yet forwarded); then, for a handoff, gateway → notes (the client's initialize,
/// for a bridge that must carry on with another gateway) and finally "done" (exit code) or "resume" (the gateway is
/// stopping: the input it read but did not handle goes back to the bridge).
/// </summary>
internal static class BridgeProtocol
{
    public const int Version = 2;

    public static byte[] Hello(bool handoff) => Json(w =>
    {
        w.WriteString("swarmcluster", "bridge");
        w.WriteNumber("version", Version);
        w.WriteBoolean("handoff", handoff);
    });

    /// <summary>Null when the line is not a gateway's hello; else whether it takes a handoff.</summary>
    public static bool? ParseHello(ReadOnlySpan<byte> line)
    {
        try
        {
            using var document = JsonDocument.Parse(line.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("swarmcluster", out var kind) || kind.GetString() != "bridge")
                return null;
            return root.TryGetProperty("handoff", out var handoff) && handoff.ValueKind == JsonValueKind.True;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static byte[] Relay() => Json(w => w.WriteString("mode", "relay"));

    public static byte[] Ack() => Json(w => w.WriteBoolean("ok", true));

    public static byte[] Handoff(byte[]? initialize, byte[]? initialized, ReadOnlyMemory<byte> unread) => Json(w =>
    {
        w.WriteString("mode", "handoff");
        WriteLine(w, "initialize", initialize);
        WriteLine(w, "initialized", initialized);
        w.WriteBase64String("unread", unread.Span);
    });

    public static byte[] Note(string kind, ReadOnlyMemory<byte> line) => Json(w => w.WriteString(kind, System.Text.Encoding.UTF8.GetString(line.Span)));

    public static byte[] Done(int exitCode) => Json(w => w.WriteNumber("done", exitCode));

    public static byte[] Resume(ReadOnlyMemory<byte> unread) => Json(w => w.WriteBase64String("resume", unread.Span));

    /// <summary>A control line, any direction: which fields it has.</summary>
    public sealed record Message(string? Mode, byte[]? Initialize, byte[]? Initialized, byte[]? Unread, int? Done, byte[]? Resume);

    public static Message? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            using var document = JsonDocument.Parse(line.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return null;
            byte[]? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? System.Text.Encoding.UTF8.GetBytes(v.GetString()!) : null;
            byte[]? Bytes(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetBytesFromBase64() : null;
            return new Message(
                root.TryGetProperty("mode", out var mode) ? mode.GetString() : null,
                Text("initialize"), Text("initialized"), Bytes("unread"),
                root.TryGetProperty("done", out var done) && done.ValueKind == JsonValueKind.Number ? done.GetInt32() : null,
                Bytes("resume"));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private static void WriteLine(Utf8JsonWriter w, string name, byte[]? line)
    {
        if (line is null)
            w.WriteNull(name);
        else
            w.WriteString(name, System.Text.Encoding.UTF8.GetString(line));
    }

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
