namespace SwarmCluster.Gateway.Stdio;

/// <summary>Reads newline-delimited messages from a stream as raw bytes (no decoding: the JSON parser checks UTF-8).</summary>
internal sealed class LineReader
{
    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private byte[] _buffer;
    private int _start, _end, _scanned;
    private bool _endOfStream, _discarding;

    /// <param name="stream">Where the lines come from.</param>
    /// <param name="initial">Bytes already read from it by someone else (a gateway handing a client back to its bridge).</param>
    /// <param name="maxLineBytes">Longest line kept; a longer one is reported as <see cref="TooLong"/>.</param>
    public LineReader(Stream stream, ReadOnlyMemory<byte> initial = default, int maxLineBytes = JsonRpc.MaxLineBytes)
    {
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        _buffer = new byte[Math.Max(64 * 1024, initial.Length * 2)];
        initial.CopyTo(_buffer);
        _end = initial.Length;
    }

    /// <summary>What was read from the stream but not returned as a line yet (part of a line).</summary>
    public ReadOnlyMemory<byte> Unconsumed => _discarding ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(_start, _end - _start);

    /// <summary>A line longer than the limit: it was skipped up to its newline.</summary>
    public static readonly ReadOnlyMemory<byte> TooLong = new byte[] { 0 };

    /// <summary>The next line without its line break, <see cref="TooLong"/>, or null at the end of the stream (blocking).</summary>
    public ReadOnlyMemory<byte>? ReadLine()
    {
        while (true)
        {
            if (TryTake(out var line))
                return line;
            Filled(_stream.Read(Free()));
        }
    }

    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryTake(out var line))
                return line;
            Filled(await _stream.ReadAsync(FreeMemory(), cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>A complete line (or the end) from what is buffered; false when more must be read.</summary>
    private bool TryTake(out ReadOnlyMemory<byte>? line)
    {
        var newline = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
        if (newline >= 0)
        {
            var end = _scanned + newline;
            var begin = _start;
            _start = _scanned = end + 1;
            if (_discarding)
            {
                _discarding = false;
                line = TooLong;
                return true;
            }
            if (end > begin && _buffer[end - 1] == '\r')
                end--;
            line = _buffer.AsMemory(begin, end - begin).ToArray();
            return true;
        }
        _scanned = _end;

        if (_endOfStream)
        {
            if (_start == _end)
            {
                line = null;
                return true;
            }
            // A last line without a line break still counts.
            line = _discarding ? TooLong : _buffer.AsMemory(_start, _end - _start).ToArray();
            _discarding = false;
            _start = _scanned = _end;
            return true;
        }

        if (_end - _start > _maxLineBytes)
        {
            _discarding = true; // drop what we have of this line and keep looking for its end
            _start = _end = _scanned = 0;
        }
        else if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _scanned -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, _maxLineBytes + 64 * 1024));
        line = null;
        return false;
    }

    private Span<byte> Free() => _buffer.AsSpan(_end);

    private Memory<byte> FreeMemory() => _buffer.AsMemory(_end);

    private void Filled(int read)
    {
        if (read == 0)
            _endOfStream = true;
        _end += read;
    }
}

/// <summary>Writes whole lines to a stream, one writer at a time, each flushed at once (clients wait on them).</summary>
internal sealed class LineWriter(Stream stream)
{
    private readonly object _gate = new();
    private byte[] _buffer = new byte[64 * 1024];

    public void WriteLine(ReadOnlySpan<byte> line)
    {
        lock (_gate)
        {
            // One write per message: the reader never sees half a line, and a socket or pipe gets one send.
            if (_buffer.Length < line.Length + 1)
                _buffer = new byte[line.Length + 1];
            line.CopyTo(_buffer);
            _buffer[line.Length] = (byte)'\n';
            stream.Write(_buffer, 0, line.Length + 1);
            stream.Flush();
        }
    }
}
