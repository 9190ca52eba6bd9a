using System.Buffers;
using Orleans.Serialization;
using Orleans.Storage;

namespace SwarmCluster.Hosting.Storage;

/// <summary>
/// How grain state rows are encoded. Rows are written in Orleans' binary format (the one grain calls use; fields
/// by their <c>[Id]</c>, so adding members stays compatible), behind a <see cref="Marker"/>. Rows written before
/// (Newtonsoft JSON with CLR type names, the provider's default) carry no marker and are still read; each is
/// rewritten in binary at its next write. Binary skips JSON's text, type names and number formatting: the
/// serializer was a tenth of a durable write's CPU, and a network's weights were text.
/// </summary>
public sealed class GrainStateFormat(Serializer binary, IGrainStorageSerializer json, GrainStateEncoding writes = GrainStateEncoding.Binary)
    : IGrainStorageSerializer
{
    /// <summary>Starts every binary row; JSON text never starts with a zero byte.</summary>
    public static ReadOnlySpan<byte> Marker => [0x00, (byte)'S', (byte)'C', 0x01];

    public BinaryData Serialize<T>(T? input)
    {
        if (writes == GrainStateEncoding.Json)
        {
            return json.Serialize(input);
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write(Marker);
        binary.Serialize(input, buffer);
        return new BinaryData(buffer.WrittenMemory);
    }

    public T? Deserialize<T>(BinaryData input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var bytes = input.ToMemory();
        return IsBinary(bytes.Span) ? binary.Deserialize<T>(bytes[Marker.Length..]) : json.Deserialize<T>(input);
    }

    /// <summary>Whether a stored payload is in the binary format (else it is a row from before, in JSON).</summary>
    public static bool IsBinary(ReadOnlySpan<byte> payload) => payload.StartsWith(Marker);
}

/// <summary>The encoding grain state rows are written in (<see cref="SwarmClusterOptions.StateEncoding"/>).</summary>
public enum GrainStateEncoding
{
    /// <summary>Orleans' binary format behind <see cref="GrainStateFormat.Marker"/>.</summary>
    Binary,

    /// <summary>Newtonsoft JSON, as versions before the binary format wrote (and can read).</summary>
    Json,
}
