using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace SwarmCluster.Fann;

/// <summary>
/// Immutable training set held both in managed arrays and as a libfann <c>fann_train_data</c>.
/// Safe to share between networks and threads (libfann only reads it while training or testing).
/// </summary>
public sealed unsafe class TrainingData : IDisposable
{
    /// <summary>Most input/output pairs in one set.</summary>
    public const int MaxPairs = 10_000_000;

    /// <summary>Most values on one side (pairs × inputs, pairs × outputs); keeps libfann's 32-bit size products far from overflow.</summary>
    public const int MaxValuesPerSide = 64 * 1024 * 1024;

    /// <summary>Largest file FromFile reads.</summary>
    public const long MaxFileBytes = 512L * 1024 * 1024;

    private readonly float[] _inputs;   // Count × InputCount, row-major
    private readonly float[] _outputs;  // Count × OutputCount
    private readonly FannTrainDataHandle _handle;

    private TrainingData(float[] inputs, float[] outputs, int count, int inputCount, int outputCount)
    {
        _inputs = inputs;
        _outputs = outputs;
        Count = count;
        InputCount = inputCount;
        OutputCount = outputCount;
        _handle = CreateNative(inputs, outputs, count, inputCount, outputCount);
    }

    public int Count { get; }
    public int InputCount { get; }
    public int OutputCount { get; }

    /// <summary>Build from rows; every row of a side must have the same length, values finite.</summary>
    public static TrainingData FromArrays(float[][] inputs, float[][] outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (inputs.Length == 0)
            throw new ArgumentException("Training data needs at least one pair; inputs is empty.", nameof(inputs));
        if (inputs.Length != outputs.Length)
            throw new ArgumentException($"inputs has {inputs.Length} rows but outputs has {outputs.Length}; they must pair up one to one.", nameof(outputs));
        if (inputs.Length > MaxPairs)
            throw new ArgumentException($"inputs has {inputs.Length} rows; at most {MaxPairs} pairs are allowed.", nameof(inputs));

        var flatIn = Flatten(inputs, nameof(inputs));
        var flatOut = Flatten(outputs, nameof(outputs));
        return new TrainingData(flatIn, flatOut, inputs.Length, inputs[0].Length, outputs[0].Length);
    }

    /// <summary>
    /// Read a file in FANN's training-data text format. The file is read and parsed in managed code;
    /// libfann never sees the path.
    /// </summary>
    public static TrainingData FromFile(string path)
    {
        PathRules.Validate(path, nameof(path));
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"Training data file not found: {path}", path);
        if (info.Length > MaxFileBytes)
            throw new ArgumentException($"'{path}' is {info.Length} bytes; training data files may be at most {MaxFileBytes} bytes.", nameof(path));
        var bytes = File.ReadAllBytes(path);
        return ParseBytes(bytes, nameof(path), path);
    }

    /// <summary>Parse FANN's training-data text: header "pairs inputs outputs", then each pair's input values and output values.</summary>
    public static TrainingData Parse(string fannText)
    {
        ArgumentNullException.ThrowIfNull(fannText);
        return ParseBytes(Encoding.UTF8.GetBytes(fannText), nameof(fannText), "text");
    }

    /// <summary>Copy of the input row at <paramref name="index"/>.</summary>
    public float[] GetInput(int index)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _inputs.AsSpan(index * InputCount, InputCount).ToArray();
    }

    /// <summary>Copy of the output row at <paramref name="index"/>.</summary>
    public float[] GetOutput(int index)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _outputs.AsSpan(index * OutputCount, OutputCount).ToArray();
    }

    /// <summary>Split into the first <paramref name="firstCount"/> pairs and the remainder (both non-empty). ("Rest" is not a legal tuple element name in C#.)</summary>
    public (TrainingData First, TrainingData Remainder) Split(int firstCount)
    {
        ThrowIfDisposed();
        if (firstCount < 1 || firstCount >= Count)
            throw new ArgumentOutOfRangeException(nameof(firstCount), firstCount, $"firstCount must be between 1 and {Count - 1} so both parts are non-empty.");
        int inSplit = firstCount * InputCount, outSplit = firstCount * OutputCount;
        var first = new TrainingData(_inputs[..inSplit], _outputs[..outSplit], firstCount, InputCount, OutputCount);
        try
        {
            var rest = new TrainingData(_inputs[inSplit..], _outputs[outSplit..], Count - firstCount, InputCount, OutputCount);
            return (first, rest);
        }
        catch
        {
            first.Dispose();
            throw;
        }
    }

    public void Dispose() => _handle.Dispose();

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_handle.IsClosed, this);

    /// <summary>Keep the native set alive for the duration of a native operation, even if disposed meanwhile.</summary>
    internal Lease Acquire()
    {
        ThrowIfDisposed();
        bool added = false;
        _handle.DangerousAddRef(ref added);
        return new Lease(_handle);
    }

    internal readonly struct Lease(FannTrainDataHandle handle) : IDisposable
    {
        public nint Pointer => handle.DangerousGetHandle();
        public void Dispose() => handle.DangerousRelease();
    }

    private static float[] Flatten(float[][] rows, string param)
    {
        var first = rows[0] ?? throw new ArgumentException($"{param}[0] is null.", param);
        int width = first.Length;
        if (width < 1 || width > NeuralNetwork.MaxNeuronsPerLayer)
            throw new ArgumentException($"{param}[0] has {width} values; rows must have 1..{NeuralNetwork.MaxNeuronsPerLayer}.", param);
        if ((long)rows.Length * width > MaxValuesPerSide)
            throw new ArgumentException($"{param} holds {(long)rows.Length * width} values; at most {MaxValuesPerSide} are allowed.", param);

        var flat = new float[rows.Length * width];
        for (int r = 0; r < rows.Length; r++)
        {
            var row = rows[r] ?? throw new ArgumentException($"{param}[{r}] is null.", param);
            if (row.Length != width)
                throw new ArgumentException($"{param}[{r}] has {row.Length} values but {param}[0] has {width}; the data must be rectangular.", param);
            for (int c = 0; c < width; c++)
                if (!float.IsFinite(row[c]))
                    throw new ArgumentException($"{param}[{r}][{c}] is {row[c]}; all values must be finite.", param);
            row.CopyTo(flat, r * width);
        }
        return flat;
    }

    // ---- FANN text format, parsed in managed code ----

    private static TrainingData ParseBytes(ReadOnlySpan<byte> text, string param, string source)
    {
        var reader = new TokenReader(text);
        int pairs = reader.ReadHeaderInt("number of pairs", param, source);
        int nIn = reader.ReadHeaderInt("number of inputs", param, source);
        int nOut = reader.ReadHeaderInt("number of outputs", param, source);

        if (pairs > MaxPairs)
            throw new ArgumentException($"{source}: header declares {pairs} pairs; at most {MaxPairs} are allowed.", param);
        if (nIn > NeuralNetwork.MaxNeuronsPerLayer || nOut > NeuralNetwork.MaxNeuronsPerLayer)
            throw new ArgumentException($"{source}: header declares {nIn} inputs and {nOut} outputs; each must be 1..{NeuralNetwork.MaxNeuronsPerLayer}.", param);
        long inValues = (long)pairs * nIn, outValues = (long)pairs * nOut;
        if (inValues > MaxValuesPerSide || outValues > MaxValuesPerSide)
            throw new ArgumentException($"{source}: header declares {inValues} input and {outValues} output values; at most {MaxValuesPerSide} per side are allowed.", param);
        // Each value needs at least one digit and one separator: reject truncated files before allocating.
        if ((inValues + outValues) * 2 - 1 > reader.Remaining)
            throw new ArgumentException($"{source}: header declares {pairs} pairs of {nIn}+{nOut} values but the text is too short to hold them.", param);

        var inputs = new float[inValues];
        var outputs = new float[outValues];
        for (int p = 0; p < pairs; p++)
        {
            for (int i = 0; i < nIn; i++)
                inputs[(long)p * nIn + i] = reader.ReadValue(param, source, p, "input", i);
            for (int o = 0; o < nOut; o++)
                outputs[(long)p * nOut + o] = reader.ReadValue(param, source, p, "output", o);
        }
        reader.ExpectEnd(param, source);
        return new TrainingData(inputs, outputs, pairs, nIn, nOut);
    }

    /// <summary>Whitespace-separated tokens with line tracking, as FANN's own fscanf-based reader sees them.</summary>
    private ref struct TokenReader(ReadOnlySpan<byte> text)
    {
        private readonly ReadOnlySpan<byte> _text = text;
        private int _pos;
        private int _line = 1;

        public readonly int Remaining => _text.Length - _pos;

        private ReadOnlySpan<byte> Next()
        {
            while (_pos < _text.Length && IsSpace(_text[_pos]))
            {
                if (_text[_pos] == (byte)'\n') _line++;
                _pos++;
            }
            int start = _pos;
            while (_pos < _text.Length && !IsSpace(_text[_pos])) _pos++;
            return _text[start.._pos];
        }

        public int ReadHeaderInt(string what, string param, string source)
        {
            var token = Next();
            if (token.IsEmpty)
                throw new ArgumentException($"{source}: missing {what} in the header (expected \"pairs inputs outputs\").", param);
            if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
                throw new ArgumentException($"{source}: line {_line}: {what} must be a positive integer, found \"{Show(token)}\".", param);
            return value;
        }

        public float ReadValue(string param, string source, int pair, string side, int index)
        {
            var token = Next();
            if (token.IsEmpty)
                throw new ArgumentException($"{source}: ended early: pair {pair} is missing {side} value {index}.", param);
            const NumberStyles style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
            if (!float.TryParse(token, style, CultureInfo.InvariantCulture, out float value))
                throw new ArgumentException($"{source}: line {_line}: pair {pair} {side} {index} is not a number: \"{Show(token)}\".", param);
            if (!float.IsFinite(value))
                throw new ArgumentException($"{source}: line {_line}: pair {pair} {side} {index} is \"{Show(token)}\"; values must be finite.", param);
            return value;
        }

        public void ExpectEnd(string param, string source)
        {
            var token = Next();
            if (!token.IsEmpty)
                throw new ArgumentException($"{source}: line {_line}: unexpected extra data \"{Show(token)}\" after the declared pairs.", param);
        }

        private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

        private static string Show(ReadOnlySpan<byte> token) =>
            Encoding.UTF8.GetString(token.Length > 40 ? token[..40] : token);
    }

    // ---- native copy ----

    private sealed class FillSource(float[] inputs, float[] outputs)
    {
        public readonly float[] Inputs = inputs;
        public readonly float[] Outputs = outputs;
        public bool Failed;
    }

    // fann_create_train_from_callback has no user pointer; it calls back synchronously on this thread.
    [ThreadStatic] private static FillSource? t_fill;

    [UnmanagedCallersOnly]
    private static void FillRow(uint index, uint numInput, uint numOutput, float* input, float* output)
    {
        // Never let an exception unwind into libfann.
        var src = t_fill;
        if (src is null) return;
        try
        {
            src.Inputs.AsSpan(checked((int)(index * (long)numInput)), (int)numInput).CopyTo(new Span<float>(input, (int)numInput));
            src.Outputs.AsSpan(checked((int)(index * (long)numOutput)), (int)numOutput).CopyTo(new Span<float>(output, (int)numOutput));
        }
        catch
        {
            src.Failed = true;
        }
    }

    private static FannTrainDataHandle CreateNative(float[] inputs, float[] outputs, int count, int nIn, int nOut)
    {
        FannLibrary.EnsureAvailable();
        var src = new FillSource(inputs, outputs);
        nint raw;
        t_fill = src;
        try
        {
            // fann_create_train_array does not exist in 2.2.0; the callback form fills libfann's own blocks.
            raw = Native.fann_create_train_from_callback((uint)count, (uint)nIn, (uint)nOut, &FillRow);
        }
        finally
        {
            t_fill = null;
        }
        if (raw == 0)
            throw new FannException(11, $"Creating training data ({count} pairs of {nIn}+{nOut} values) failed: libfann could not allocate memory.");
        var handle = FannTrainDataHandle.Adopt(raw);
        if (src.Failed || Native.fann_length_train_data(raw) != (uint)count
            || Native.fann_num_input_train_data(raw) != (uint)nIn || Native.fann_num_output_train_data(raw) != (uint)nOut)
        {
            handle.Dispose();
            throw new FannException("Copying training data into libfann failed.");
        }
        return handle;
    }
}

/// <summary>Rules for user-supplied paths (read and written in managed code only).</summary>
internal static class PathRules
{
    internal static void Validate(string path, string param)
    {
        ArgumentNullException.ThrowIfNull(path, param);
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("The path must not be empty or whitespace.", param);
        if (path.Contains('\0'))
            throw new ArgumentException("The path must not contain a NUL character.", param);
    }
}
