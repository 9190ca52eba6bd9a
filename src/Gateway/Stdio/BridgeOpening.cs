using System.Text;
using System.Text.Json;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// What a bridge did with the client before a gateway could take it: the client's initialize and initialized (to be
/// replayed on the gateway, whose answer is swallowed), the input read but not handled, and whether the input ended.
/// </summary>
internal sealed record OpenedSession(byte[]? Initialize, byte[]? Initialized, ReadOnlyMemory<byte> Unread, bool EndOfInput = false)
{
    public static readonly OpenedSession None = new(null, null, default);
}

/// <summary>
/// A bridge that has to wait for the gateway to start answers the opening of the client's session itself from this
/// build's <see cref="BridgeGreeting"/>: <c>initialize</c> (for a protocol version the greeting has) and
/// <c>tools/list</c>, so the client lists the tools in a fraction of a second. The first other message, or the
/// gateway becoming ready, ends it: that message and everything after go to the gateway, which is brought to the
/// same state by replaying the client's initialize. A gateway that cannot start does not end it (the first other
/// message is answered with the reason). Linux only (it waits on stdin with poll, then hands stdin over).
/// </summary>
internal static class BridgeOpening
{
    public static OpenedSession Serve(BridgeGreeting greeting, Task ready)
    {
        var stop = new CancellationTokenSource(); // not disposed: the continuation may cancel it after we return
        // A gateway that failed to start takes nothing over: the opening goes on, and the first other message gets why.
        _ = ready.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
                stop.Cancel();
        }, TaskScheduler.Default);
        // The stream is not disposed: stdin stays open for the gateway (or the relay) that takes the client next.
        var reader = new LineReader(new FdStream(0, stop.Token, pollMilliseconds: 20));
        var output = new LineWriter(Console.OpenStandardOutput());
        byte[]? initialize = null, initialized = null;
        while (true)
        {
            ReadOnlyMemory<byte>? next;
            try
            {
                next = reader.ReadLine();
            }
            catch (OperationCanceledException)
            {
                break; // the gateway is ready (or will never be): it takes the client from here
            }
            if (next is not { } line)
                return new OpenedSession(initialize, initialized, reader.Unconsumed, EndOfInput: true);

            // Malformed lines get the answers the gateway's front would give them.
            if (line.Equals(LineReader.TooLong))
            {
                output.WriteLine(JsonRpc.TooLongError);
                continue;
            }
            if (line.Span.Trim(" \t\r"u8).IsEmpty)
                continue;
            var message = JsonRpc.Check(line, out var error);
            if (message is null)
            {
                output.WriteLine(error!);
                continue;
            }
            if (Answer(greeting, message, initialize is not null) is { } answer)
            {
                if (message.IsInitialize)
                    initialize = line.ToArray();
                output.WriteLine(answer);
                continue;
            }
            if (message.Method == "notifications/initialized" && initialize is not null && initialized is null)
            {
                initialized = line.ToArray();
                continue;
            }
            // Anything else is the gateway's to answer, this line first.
            byte[] rest = [.. line.Span, (byte)'\n', .. reader.Unconsumed.Span];
            return new OpenedSession(initialize, initialized, rest);
        }
        return new OpenedSession(initialize, initialized, reader.Unconsumed);
    }

    /// <summary>The answer line from the greeting, or null when the gateway must answer this message.</summary>
    private static byte[]? Answer(BridgeGreeting greeting, ClientMessage message, bool initialized)
    {
        if (message.Kind != MessageKind.Request)
            return null;
        string? result = message.Method switch
        {
            "initialize" when !initialized && RequestedVersion(message.Line) is { } version => greeting.Initialize.GetValueOrDefault(version),
            "tools/list" when initialized && !JsonRpc.HasCursor(message.Line) => greeting.ToolsList,
            _ => null,
        };
        return result is null ? null : JsonRpc.Result(message.IdJson!, Encoding.UTF8.GetBytes(result));
    }

    private static string? RequestedVersion(ReadOnlyMemory<byte> line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty("protocolVersion", out var version) && version.ValueKind == JsonValueKind.String
            && parameters.TryGetProperty("clientInfo", out var client) && client.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty("capabilities", out var capabilities) && capabilities.ValueKind == JsonValueKind.Object
            ? version.GetString()
            : null; // a malformed initialize gets the gateway's own error
    }
}
