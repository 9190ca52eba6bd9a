using System.Numerics;
using System.Runtime.InteropServices;

namespace SwarmCluster.Fann;

/// <summary>
/// A libfann network (float build). Every argument is checked in managed code before libfann sees it,
/// because libfann itself does not check (zero-size layers SIGFPE, short inputs are read out of bounds).
/// All members are thread-safe: one lock per network guards the native handle.
/// Run and RunBatch use a managed SIMD copy of fann_run for fully connected layer networks (see ForwardPass).
/// </summary>
public sealed unsafe class NeuralNetwork : IDisposable
{
    public const int MaxLayers = 16;
    public const int MaxNeuronsPerLayer = 4096;
    public const int MaxConnections = 16 * 1024 * 1024;
    public const int MaxEpochs = 1_000_000;

    /// <summary>Largest serialized network FromBytes/Load accept (a network at MaxConnections is ~600 MB of text).</summary>
    public const int MaxSerializedBytes = 1024 * 1024 * 1024;

    /// <summary>Cap on cascade candidates (groups × functions × steepnesses), each of which libfann trains in memory.</summary>
    public const int MaxCascadeCandidates = 1024;

    // Without the direct weight layout, fann_set_weight_array costs O(n²): refuse beyond this.
    internal const int SlowWeightPathLimit = 100_000;

    private static ReadOnlySpan<byte> MemoryStreamName => "memory\0"u8;

    private readonly Lock _sync = new();
    private readonly FannNetworkHandle _handle;
    // A network without hidden layers has nowhere to keep these; remember what was set.
    private ActivationFunction _hiddenActivationFallback = ActivationFunction.SigmoidStepwise;
    private float _hiddenSteepnessFallback = 0.5f;
    // TrainStep checks the activations once, not on every step; the activation setters clear this.
    private bool _knownTrainable;
    // libfann allocates its Rprop/Quickprop arrays on the first training (a copy takes the original's); until then
    // SetWeights has no training state to reset, so it skips the reset, which draws one rand() per connection.
    private bool _mayHoldTrainingState;
    // The managed forward pass over a snapshot of the weights; every change to what fann_run computes goes through
    // AnnForChange, which drops it. Rebuilt on the second run after a change, so callers that alternate one run with
    // one training step (the routing trainer) keep plain fann_run instead of paying a rebuild per step.
    private ForwardPass? _forward;
    private int _runsSinceChange;
    private bool _forwardUnsupported;

    private NeuralNetwork(FannNetworkHandle handle)
    {
        _handle = handle;
        nint ann = handle.DangerousGetHandle();
        InputCount = (int)Native.fann_get_num_input(ann);
        OutputCount = (int)Native.fann_get_num_output(ann);
        Type = (NetworkType)Native.fann_get_network_type(ann);
    }

    // ---------- creation ----------

    /// <summary>Fully connected layered network; sizes exclude bias neurons (e.g. 2, 3, 1).</summary>
    public static NeuralNetwork CreateStandard(params int[] layerSizes) => Create(layerSizes, NetworkType.Layer);

    /// <summary>Network where each layer connects to all later layers; the kind cascade training grows.</summary>
    public static NeuralNetwork CreateShortcut(params int[] layerSizes) => Create(layerSizes, NetworkType.Shortcut);

    private static NeuralNetwork Create(int[] layerSizes, NetworkType type)
    {
        ValidateLayerSizes(layerSizes, type);
        FannLibrary.EnsureAvailable();
        var sizes = new uint[layerSizes.Length];
        for (int i = 0; i < sizes.Length; i++) sizes[i] = (uint)layerSizes[i];

        nint raw;
        fixed (uint* p = sizes)
        {
            // Creation reseeds libc rand() from /dev/urandom and draws the initial weights from it.
            lock (FannLibrary.RandLock)
            {
                raw = type == NetworkType.Layer
                    ? Native.fann_create_standard_array((uint)sizes.Length, p)
                    : Native.fann_create_shortcut_array((uint)sizes.Length, p);
            }
        }
        if (raw == 0)
            throw new FannException(11, $"Creating a {string.Join("-", layerSizes)} network failed: libfann could not allocate memory.");
        return new NeuralNetwork(FannNetworkHandle.Adopt(raw));
    }

    internal static long CountConnections(IReadOnlyList<int> sizes, NetworkType type)
    {
        long total = 0, before = 0;
        for (int l = 1; l < sizes.Count; l++)
        {
            before += sizes[l - 1];
            // +1: the bias of the previous layer (layer) or of the input layer (shortcut).
            long fanIn = type == NetworkType.Layer ? sizes[l - 1] + 1 : before + 1;
            total += fanIn * sizes[l];
        }
        return total;
    }

    private static void ValidateLayerSizes(int[] layerSizes, NetworkType type)
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        if (layerSizes.Length < 2 || layerSizes.Length > MaxLayers)
            throw new ArgumentException($"layerSizes has {layerSizes.Length} layers; a network needs 2..{MaxLayers} (input, optional hidden, output).", nameof(layerSizes));
        for (int i = 0; i < layerSizes.Length; i++)
        {
            if (layerSizes[i] < 1 || layerSizes[i] > MaxNeuronsPerLayer)
                throw new ArgumentException($"layerSizes[{i}] is {layerSizes[i]}; every layer needs 1..{MaxNeuronsPerLayer} neurons.", nameof(layerSizes));
        }
        long connections = CountConnections(layerSizes, type);
        if (connections > MaxConnections)
            throw new ArgumentException($"layerSizes gives {connections} connections; at most {MaxConnections} are allowed.", nameof(layerSizes));
    }

    // ---------- serialization ----------

    /// <summary>Load a network from FANN_FLO_2.1 text (as written by <see cref="ToBytes"/>), checked in full first.</summary>
    public static NeuralNetwork FromBytes(ReadOnlySpan<byte> fannText) => FromBytesCore(fannText, nameof(fannText), "fannText");

    /// <summary>Load a network file. The file is read in managed code; libfann never sees the path.</summary>
    public static NeuralNetwork Load(string path)
    {
        PathRules.Validate(path, nameof(path));
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"Network file not found: {path}", path);
        if (info.Length > MaxSerializedBytes)
            throw new ArgumentException($"'{path}' is {info.Length} bytes; network files may be at most {MaxSerializedBytes} bytes.", nameof(path));
        return FromBytesCore(File.ReadAllBytes(path), nameof(path), $"'{path}'");
    }

    private static NeuralNetwork FromBytesCore(ReadOnlySpan<byte> text, string param, string source)
    {
        if (text.IsEmpty)
            throw new ArgumentException($"{source} is empty; expected a {NetworkText.Header} network.", param);
        if (text.Length > MaxSerializedBytes)
            throw new ArgumentException($"{source} is {text.Length} bytes; at most {MaxSerializedBytes} are allowed.", param);
        NetworkText.Shape shape;
        try
        {
            shape = NetworkText.Validate(text);
        }
        catch (NetworkText.InvalidNetworkTextException e)
        {
            throw new ArgumentException($"{source} is not a valid {NetworkText.Header} network: {e.Message}.", param);
        }

        FannLibrary.EnsureAvailable();
        nint raw;
        fixed (byte* p = text)
        fixed (byte* name = MemoryStreamName)
        fixed (byte* mode = "r\0"u8)
        {
            // A read-only stream over the caller's bytes: no temp file, no path for libfann's error buffer.
            nint file = Native.fmemopen(p, (nuint)text.Length, mode);
            if (file == 0)
                throw new FannException($"fmemopen failed ({Marshal.GetLastPInvokeErrorMessage()}).");
            try
            {
                raw = Native.fann_create_from_fd(file, name);
            }
            finally
            {
                Native.fclose(file);
            }
        }
        if (raw == 0)
            throw new FannException(4, $"libfann could not read the network in {source} (libfann error 4: error reading configuration).");

        var handle = FannNetworkHandle.Adopt(raw);
        try
        {
            FannErrors.ThrowIfError(raw, "Loading a network");
            var network = new NeuralNetwork(handle);
            // libfann must have built exactly what we validated.
            if (network.Type != shape.Type || network.InputCount != shape.LayerSizes[0] || network.OutputCount != shape.LayerSizes[^1]
                || Native.fann_get_num_layers(raw) != (uint)shape.LayerSizes.Length
                || Native.fann_get_total_connections(raw) != (ulong)shape.Connections)
                throw new FannException($"libfann built a different network than {source} describes.");
            return network;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>FANN's own text format (FANN_FLO_2.1). Weights round-trip exactly; learning rate is kept to 6 decimals.</summary>
    public byte[] ToBytes()
    {
        lock (_sync)
        {
            nint ann = Ann();
            nint buffer = 0;
            nuint size = 0;
            nint file = Native.open_memstream(&buffer, &size);
            if (file == 0)
                throw new FannException($"open_memstream failed ({Marshal.GetLastPInvokeErrorMessage()}).");
            try
            {
                fixed (byte* name = MemoryStreamName)
                    Native.fann_save_internal_fd(ann, file, name, 0);
            }
            finally
            {
                // Closing publishes buffer/size.
                Native.fclose(file);
            }
            try
            {
                FannErrors.ThrowIfError(ann, "Saving the network");
                if (buffer == 0 || size == 0 || size > int.MaxValue)
                    throw new FannException($"Saving the network produced {size} bytes.");
                return new ReadOnlySpan<byte>((void*)buffer, (int)size).ToArray();
            }
            finally
            {
                if (buffer != 0) Native.free(buffer);
            }
        }
    }

    /// <summary>Write <see cref="ToBytes"/> to a file (via a temporary file in the same folder, then a rename).</summary>
    public void Save(string path)
    {
        PathRules.Validate(path, nameof(path));
        var bytes = ToBytes();
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Deep copy, including training state.</summary>
    public NeuralNetwork Copy()
    {
        lock (_sync)
        {
            nint ann = Ann();
            nint raw = Native.fann_copy(ann);
            if (raw == 0)
            {
                FannErrors.ThrowIfError(ann, "Copying the network");
                throw new FannException(11, "Copying the network failed: libfann could not allocate memory.");
            }
            var handle = FannNetworkHandle.Adopt(raw);
            // fann_copy also copies the original's error state.
            FannErrors.Clear(raw);
            // fann_copy (2.2.0) leaves these at their defaults.
            Native.fann_set_training_algorithm(raw, Native.fann_get_training_algorithm(ann));
            Native.fann_set_cascade_min_out_epochs(raw, Native.fann_get_cascade_min_out_epochs(ann));
            Native.fann_set_cascade_min_cand_epochs(raw, Native.fann_get_cascade_min_cand_epochs(ann));
            Native.fann_set_sarprop_weight_decay_shift(raw, Native.fann_get_sarprop_weight_decay_shift(ann));
            Native.fann_set_sarprop_step_error_threshold_factor(raw, Native.fann_get_sarprop_step_error_threshold_factor(ann));
            Native.fann_set_sarprop_step_error_shift(raw, Native.fann_get_sarprop_step_error_shift(ann));
            Native.fann_set_sarprop_temperature(raw, Native.fann_get_sarprop_temperature(ann));
            return new NeuralNetwork(handle)
            {
                _hiddenActivationFallback = _hiddenActivationFallback,
                _mayHoldTrainingState = _mayHoldTrainingState,
                _hiddenSteepnessFallback = _hiddenSteepnessFallback,
            };
        }
    }

    // ---------- shape ----------

    public int InputCount { get; }
    public int OutputCount { get; }
    public NetworkType Type { get; }

    /// <summary>Neurons including bias neurons (libfann's count: the unused bias of a layer network's output layer is left out).</summary>
    public int TotalNeurons
    {
        get { lock (_sync) return (int)Native.fann_get_total_neurons(Ann()); }
    }

    public int ConnectionCount
    {
        get { lock (_sync) return (int)Native.fann_get_total_connections(Ann()); }
    }

    /// <summary>Neurons per layer without bias neurons. Cascade training adds one-neuron layers.</summary>
    public IReadOnlyList<int> LayerSizes
    {
        get { lock (_sync) return LayerSizesUnlocked(Ann()); }
    }

    private static int[] LayerSizesUnlocked(nint ann)
    {
        uint count = Native.fann_get_num_layers(ann);
        var raw = new uint[count];
        fixed (uint* p = raw) Native.fann_get_layer_array(ann, p);
        return Array.ConvertAll(raw, v => (int)v);
    }

    // ---------- parameters ----------

    /// <summary>Activation of the hidden neurons (read from the first one); setting applies to all hidden layers.</summary>
    public ActivationFunction HiddenActivation
    {
        get
        {
            lock (_sync)
            {
                nint ann = Ann();
                return Native.fann_get_num_layers(ann) > 2
                    ? ReadActivation(ann, 1)
                    : _hiddenActivationFallback;
            }
        }
        set
        {
            CheckDefined(value, nameof(value));
            lock (_sync)
            {
                nint ann = AnnForChange();
                _knownTrainable = false;
                Native.fann_set_activation_function_hidden(ann, (int)value);
                FannErrors.ThrowIfError(ann, "Setting the hidden activation");
                _hiddenActivationFallback = value;
            }
        }
    }

    /// <summary>Activation of the output neurons.</summary>
    public ActivationFunction OutputActivation
    {
        get
        {
            lock (_sync)
            {
                nint ann = Ann();
                return ReadActivation(ann, (int)Native.fann_get_num_layers(ann) - 1);
            }
        }
        set
        {
            CheckDefined(value, nameof(value));
            lock (_sync)
            {
                nint ann = AnnForChange();
                _knownTrainable = false;
                Native.fann_set_activation_function_output(ann, (int)value);
                FannErrors.ThrowIfError(ann, "Setting the output activation");
            }
        }
    }

    /// <summary>Steepness of the hidden activations (FANN default 0.5); must be finite and &gt; 0.</summary>
    public float HiddenActivationSteepness
    {
        get
        {
            lock (_sync)
            {
                nint ann = Ann();
                return Native.fann_get_num_layers(ann) > 2 ? ReadSteepness(ann, 1) : _hiddenSteepnessFallback;
            }
        }
        set
        {
            CheckSteepness(value, nameof(value));
            lock (_sync)
            {
                nint ann = AnnForChange();
                Native.fann_set_activation_steepness_hidden(ann, value);
                FannErrors.ThrowIfError(ann, "Setting the hidden steepness");
                _hiddenSteepnessFallback = value;
            }
        }
    }

    /// <summary>Steepness of the output activations (FANN default 0.5); must be finite and &gt; 0.</summary>
    public float OutputActivationSteepness
    {
        get
        {
            lock (_sync)
            {
                nint ann = Ann();
                return ReadSteepness(ann, (int)Native.fann_get_num_layers(ann) - 1);
            }
        }
        set
        {
            CheckSteepness(value, nameof(value));
            lock (_sync)
            {
                nint ann = AnnForChange();
                Native.fann_set_activation_steepness_output(ann, value);
                FannErrors.ThrowIfError(ann, "Setting the output steepness");
            }
        }
    }

    /// <summary>Algorithm used by <see cref="Train(TrainingData, int, float)"/>; FANN's default is Rprop.</summary>
    public TrainingAlgorithm TrainingAlgorithm
    {
        get { lock (_sync) return (TrainingAlgorithm)Native.fann_get_training_algorithm(Ann()); }
        set
        {
            if (!Enum.IsDefined(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown training algorithm.");
            lock (_sync) Native.fann_set_training_algorithm(Ann(), (int)value);
        }
    }

    /// <summary>Learning rate for Incremental, Batch and Quickprop (FANN default 0.7); finite and &gt; 0.</summary>
    public float LearningRate
    {
        get { lock (_sync) return Native.fann_get_learning_rate(Ann()); }
        set
        {
            if (!float.IsFinite(value) || value <= 0)
                throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be finite and greater than 0.");
            lock (_sync) Native.fann_set_learning_rate(Ann(), value);
        }
    }

    /// <summary>Error function training backpropagates (FANN default Tanh); saved with the network.</summary>
    public ErrorFunction TrainErrorFunction
    {
        get { lock (_sync) return (ErrorFunction)Native.fann_get_train_error_function(Ann()); }
        set
        {
            if (!Enum.IsDefined(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown error function.");
            lock (_sync) Native.fann_set_train_error_function(Ann(), (int)value);
        }
    }

    private static ActivationFunction ReadActivation(nint ann, int layer)
    {
        int f = Native.fann_get_activation_function(ann, layer, 0);
        FannErrors.ThrowIfError(ann, "Reading an activation function");
        return (ActivationFunction)f;
    }

    private static float ReadSteepness(nint ann, int layer)
    {
        float s = Native.fann_get_activation_steepness(ann, layer, 0);
        FannErrors.ThrowIfError(ann, "Reading an activation steepness");
        return s;
    }

    private static void CheckDefined(ActivationFunction value, string param)
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(param, value, "Unknown activation function.");
    }

    private static void CheckSteepness(float value, string param)
    {
        if (!float.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(param, value, "The activation steepness must be finite and greater than 0.");
    }

    // ---------- running ----------

    /// <summary>Run one input (exactly <see cref="InputCount"/> finite values).</summary>
    public float[] Run(ReadOnlySpan<float> input)
    {
        var output = new float[OutputCount];
        Run(input, output);
        return output;
    }

    /// <summary>Run one input into a caller-supplied buffer of exactly <see cref="OutputCount"/> values.</summary>
    public void Run(ReadOnlySpan<float> input, Span<float> output)
    {
        ValidateInput(input, nameof(input));
        if (output.Length != OutputCount)
            throw new ArgumentException($"output has room for {output.Length} values but the network has {OutputCount} outputs; the length must match exactly.", nameof(output));
        lock (_sync)
        {
            nint ann = Ann();
            var forward = Forward(ann, 1);
            if (forward is null) RunUnlocked(ann, input, output);
            else forward.Run(input, output);
        }
    }

    /// <summary>Run many inputs under one lock; all rows are validated before the first runs.</summary>
    public float[][] RunBatch(IReadOnlyList<float[]> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Count; i++)
        {
            var row = inputs[i] ?? throw new ArgumentException($"inputs[{i}] is null.", nameof(inputs));
            ValidateInput(row, nameof(inputs), i);
        }
        var results = new float[inputs.Count][];
        lock (_sync)
        {
            nint ann = Ann();
            var forward = Forward(ann, results.Length);
            for (int i = 0; i < results.Length; i++)
            {
                results[i] = new float[OutputCount];
                if (forward is null) RunUnlocked(ann, inputs[i], results[i]);
                else forward.Run(inputs[i], results[i]);
            }
        }
        return results;
    }

    /// <summary>The managed pass for <paramref name="runs"/> more runs, or null for fann_run (see <see cref="_forward"/>).</summary>
    private ForwardPass? Forward(nint ann, int runs)
    {
        if (_forward is not null || _forwardUnsupported) return _forward;
        _runsSinceChange += runs;
        if (_runsSinceChange < 2) return null;
        _forward = ForwardPass.TryCreate(ann, LayerSizesUnlocked(ann));
        _forwardUnsupported = _forward is null;
        return _forward;
    }

    /// <summary>Whether the next run takes the managed forward pass (tests check the path they compare).</summary>
    internal bool UsesManagedForward
    {
        get { lock (_sync) return Forward(Ann(), 0) is not null; }
    }

    /// <summary>fann_run itself, whatever the managed pass would do: the reference the equivalence tests compare with.</summary>
    internal float[] RunWithLibfann(ReadOnlySpan<float> input)
    {
        ValidateInput(input, nameof(input));
        var output = new float[OutputCount];
        lock (_sync) RunUnlocked(Ann(), input, output);
        return output;
    }

    private void RunUnlocked(nint ann, ReadOnlySpan<float> input, Span<float> output)
    {
        fixed (float* p = input)
        {
            // fann_run takes a non-const pointer but only reads InputCount values, which we checked.
            float* result = Native.fann_run(ann, p);
            if (result == null)
            {
                FannErrors.ThrowIfError(ann, "Running the network");
                throw new FannException("fann_run returned no output.");
            }
            new ReadOnlySpan<float>(result, OutputCount).CopyTo(output);
        }
    }

    private void ValidateInput(ReadOnlySpan<float> input, string param, int row = -1)
    {
        string name = row < 0 ? param : $"{param}[{row}]";
        if (input.Length != InputCount)
            throw new ArgumentException($"{name} has {input.Length} values but the network has {InputCount} inputs; the length must match exactly.", param);
        if (AllFinite(input)) return;
        for (int i = 0; i < input.Length; i++)
        {
            if (!float.IsFinite(input[i]))
                throw new ArgumentException($"{name}[{i}] is {input[i]}; inputs must be finite.", param);
        }
    }

    // Vectorised: at ~1.5 µs per managed pass, checking 128 inputs one by one was a tenth of the time.
    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        var bad = Vector<int>.Zero;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(values[i..]);
            // x - x is 0 for every finite x, NaN for NaN and ±∞.
            bad |= ~Vector.Equals(v - v, Vector<float>.Zero);
        }
        if (bad != Vector<int>.Zero) return false;
        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) return false;
        }
        return true;
    }

    // ---------- training ----------

    /// <summary>
    /// Train with <see cref="TrainingAlgorithm"/> for up to <paramref name="maxEpochs"/> epochs (fann_train_epoch in a loop,
    /// nothing printed). Stops early once an epoch's MSE is at or below <paramref name="desiredError"/> when that is &gt; 0.
    /// Throws <see cref="FannException"/> if the MSE becomes NaN/∞ (the weights are then unusable).
    /// </summary>
    public TrainingReport Train(TrainingData data, int maxEpochs, float desiredError = 0f) =>
        Train(data, maxEpochs, desiredError, CancellationToken.None);

    /// <summary>As <see cref="Train(TrainingData, int, float)"/>, checking the token between epochs (weights keep the progress made).</summary>
    public TrainingReport Train(TrainingData data, int maxEpochs, float desiredError, CancellationToken cancellationToken)
    {
        ValidateData(data, nameof(data));
        if (maxEpochs < 1 || maxEpochs > MaxEpochs)
            throw new ArgumentOutOfRangeException(nameof(maxEpochs), maxEpochs, $"maxEpochs must be 1..{MaxEpochs}.");
        CheckDesiredError(desiredError, nameof(desiredError));

        lock (_sync)
        {
            nint ann = AnnForChange();
            EnsureTrainable(ann, cascade: false);
            using var lease = data.Acquire();
            var history = new List<float>(Math.Min(maxEpochs, 4096));
            bool reached = false;
            for (int epoch = 1; epoch <= maxEpochs; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _mayHoldTrainingState = true;
                float mse = Native.fann_train_epoch(ann, lease.Pointer);
                FannErrors.ThrowIfError(ann, $"Training epoch {epoch}");
                if (!float.IsFinite(mse))
                    throw new FannException($"Training diverged at epoch {epoch} (MSE {mse}); the weights are no longer usable. Lower the learning rate, then randomize or reload the weights.");
                history.Add(mse);
                if (desiredError > 0 && mse <= desiredError)
                {
                    reached = true;
                    break;
                }
            }
            return new TrainingReport(history.AsReadOnly(), reached);
        }
    }

    /// <summary>
    /// One incremental training step (fann_train): runs <paramref name="input"/>, backpropagates the error against
    /// <paramref name="target"/> (exactly <see cref="OutputCount"/> finite values) and updates the weights with
    /// <see cref="LearningRate"/>, whatever <see cref="TrainingAlgorithm"/> is set. For callers that choose each
    /// step's target themselves, e.g. from the outputs just before the step.
    /// </summary>
    public void TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> target)
    {
        ValidateInput(input, nameof(input));
        if (target.Length != OutputCount)
            throw new ArgumentException($"target has {target.Length} values but the network has {OutputCount} outputs; the length must match exactly.", nameof(target));
        for (int i = 0; i < target.Length; i++)
        {
            if (!float.IsFinite(target[i]))
                throw new ArgumentException($"target[{i}] is {target[i]}; targets must be finite.", nameof(target));
        }
        lock (_sync)
        {
            nint ann = AnnForChange();
            if (!_knownTrainable)
            {
                EnsureTrainable(ann, cascade: false);
                _knownTrainable = true;
            }
            fixed (float* x = input)
            fixed (float* t = target)
            {
                // fann_train takes non-const pointers but only reads InputCount / OutputCount values, which we checked.
                _mayHoldTrainingState = true;
                Native.fann_train(ann, x, t);
            }
            FannErrors.ThrowIfError(ann, "Training one step");
        }
    }

    /// <summary>Mean squared error over <paramref name="data"/> (fann_test_data; weights are not changed).</summary>
    public float Test(TrainingData data)
    {
        ValidateData(data, nameof(data));
        lock (_sync)
        {
            nint ann = Ann();
            using var lease = data.Acquire();
            float mse = Native.fann_test_data(ann, lease.Pointer);
            FannErrors.ThrowIfError(ann, "Testing the network");
            return mse;
        }
    }

    /// <summary>
    /// Cascade-correlation training (shortcut networks only): adds up to <paramref name="maxNeurons"/> hidden neurons,
    /// each as its own layer, so the network must stay within <see cref="MaxLayers"/>. Nothing is printed.
    /// </summary>
    public CascadeReport TrainCascade(TrainingData data, int maxNeurons, float desiredError) =>
        TrainCascade(data, maxNeurons, desiredError, CancellationToken.None);

    /// <summary>As <see cref="TrainCascade(TrainingData, int, float)"/>; the token is checked after each added neuron.</summary>
    public CascadeReport TrainCascade(TrainingData data, int maxNeurons, float desiredError, CancellationToken cancellationToken)
    {
        ValidateData(data, nameof(data));
        CheckDesiredError(desiredError, nameof(desiredError));
        if (Type != NetworkType.Shortcut)
            throw new InvalidOperationException("Cascade training needs a shortcut network (create it with NeuralNetwork.CreateShortcut); this one is a layer network.");
        if (maxNeurons < 1)
            throw new ArgumentOutOfRangeException(nameof(maxNeurons), maxNeurons, "maxNeurons must be at least 1.");

        lock (_sync)
        {
            nint ann = AnnForChange();
            int layersBefore = (int)Native.fann_get_num_layers(ann);
            if (layersBefore + maxNeurons > MaxLayers)
                throw new ArgumentOutOfRangeException(nameof(maxNeurons), maxNeurons,
                    $"Each cascade neuron adds a layer; this network has {layersBefore} layers, so at most {MaxLayers - layersBefore} neurons can be added (MaxLayers = {MaxLayers}).");
            var algorithm = (TrainingAlgorithm)Native.fann_get_training_algorithm(ann);
            if (algorithm is not (TrainingAlgorithm.Rprop or TrainingAlgorithm.Quickprop))
                throw new InvalidOperationException($"Cascade training works with Rprop or Quickprop; the network uses {algorithm}.");
            uint candidates = Native.fann_get_cascade_num_candidates(ann);
            if (candidates > MaxCascadeCandidates)
                throw new InvalidOperationException($"The network's cascade settings give {candidates} candidates; at most {MaxCascadeCandidates} are allowed.");
            // Neuron k joins with at most (neurons so far + k) connections, outputs gain one each.
            long neurons = Native.fann_get_total_neurons(ann);
            long bound = Native.fann_get_total_connections(ann) + (long)maxNeurons * neurons + (long)maxNeurons * (maxNeurons - 1) / 2;
            if (bound > MaxConnections)
                throw new ArgumentOutOfRangeException(nameof(maxNeurons), maxNeurons, $"Adding {maxNeurons} neurons could exceed {MaxConnections} connections.");
            EnsureTrainable(ann, cascade: true);

            using var lease = data.Acquire();
            var context = new CascadeContext(cancellationToken);
            t_cascade = context;
            try
            {
                // A callback with reports every neuron replaces libfann's printf reporting and records the MSE.
                Native.fann_set_callback(ann, (nint)(delegate* unmanaged<nint, nint, uint, uint, float, uint, int>)&CascadeCallback);
                _mayHoldTrainingState = true;
                Native.fann_cascadetrain_on_data(ann, lease.Pointer, (uint)maxNeurons, 1, desiredError);
            }
            finally
            {
                Native.fann_set_callback(ann, 0);
                t_cascade = null;
            }
            FannErrors.ThrowIfError(ann, "Cascade training");
            int added = (int)Native.fann_get_num_layers(ann) - layersBefore;
            // The callback fires before each install; when maxNeurons ran out, the last state comes from the final output training.
            if (context.History.Count == added)
                context.History.Add(Native.fann_get_MSE(ann));
            float finalMse = Native.fann_test_data(ann, lease.Pointer);
            FannErrors.ThrowIfError(ann, "Testing after cascade training");
            cancellationToken.ThrowIfCancellationRequested();
            if (!float.IsFinite(finalMse))
                throw new FannException($"Cascade training diverged (MSE {finalMse}); the weights are no longer usable.");
            return new CascadeReport(added, finalMse, context.History.AsReadOnly());
        }
    }

    private sealed class CascadeContext(CancellationToken token)
    {
        public readonly List<float> History = [];
        public readonly CancellationToken Token = token;
    }

    // fann_cascadetrain_on_data calls back synchronously on the training thread.
    [ThreadStatic] private static CascadeContext? t_cascade;

    [UnmanagedCallersOnly]
    private static int CascadeCallback(nint ann, nint data, uint maxNeurons, uint between, float desiredError, uint epochs)
    {
        try
        {
            var context = t_cascade;
            if (context is null) return 0;
            context.History.Add(Native.fann_get_MSE(ann));
            return context.Token.IsCancellationRequested ? -1 : 0;
        }
        catch
        {
            return -1; // never unwind into libfann
        }
    }

    private void ValidateData(TrainingData data, string param)
    {
        ArgumentNullException.ThrowIfNull(data, param);
        data.ThrowIfDisposed();
        if (data.InputCount != InputCount || data.OutputCount != OutputCount)
            throw new ArgumentException(
                $"{param} has {data.InputCount} inputs and {data.OutputCount} outputs per pair but the network has {InputCount} inputs and {OutputCount} outputs; they must match.", param);
    }

    private static void CheckDesiredError(float desiredError, string param)
    {
        if (!float.IsFinite(desiredError) || desiredError < 0)
            throw new ArgumentOutOfRangeException(param, desiredError, "desiredError must be finite and >= 0 (0 trains for all epochs).");
    }

    private static bool IsTrainable(int function) =>
        function is >= 0 and <= (int)ActivationFunction.Cos
        && (ActivationFunction)function is not (ActivationFunction.Threshold or ActivationFunction.ThresholdSymmetric or ActivationFunction.GaussianStepwise);

    /// <summary>libfann cannot train these and does not say so (derivative 0, or an error leaked per call with no errno).</summary>
    private static void EnsureTrainable(nint ann, bool cascade)
    {
        var sizes = LayerSizesUnlocked(ann);
        for (int l = 1; l < sizes.Length; l++)
        {
            for (int k = 0; k < sizes[l]; k++)
            {
                int f = Native.fann_get_activation_function(ann, l, k);
                FannErrors.ThrowIfError(ann, "Reading an activation function");
                if (!IsTrainable(f))
                    throw new InvalidOperationException($"Neuron {k} of layer {l} uses {(ActivationFunction)f}, which libfann cannot train; use e.g. Sigmoid, SigmoidSymmetric or Linear.");
            }
        }
        if (!cascade) return;
        uint count = Native.fann_get_cascade_activation_functions_count(ann);
        int* functions = Native.fann_get_cascade_activation_functions(ann);
        for (uint i = 0; i < count && functions != null; i++)
        {
            if (!IsTrainable(functions[i]))
                throw new InvalidOperationException($"The cascade candidate functions include {(ActivationFunction)functions[i]}, which libfann cannot train.");
        }
    }

    // ---------- weights ----------

    /// <summary>
    /// Set every weight uniformly in [min, max]. With a seed the values come from a managed generator, so they are
    /// the same on every machine and unaffected by other users of libc rand(). Training state (Rprop steps) is reset.
    /// </summary>
    public void RandomizeWeights(float min, float max, int? seed = null)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max) || min > max || !float.IsFinite(max - min))
            throw new ArgumentException($"Weight range [{min}, {max}] is invalid: min and max must be finite, min <= max, and max - min finite.", nameof(min));
        lock (_sync)
        {
            nint ann = AnnForChange();
            if (seed is null)
            {
                lock (FannLibrary.RandLock)
                    Native.fann_randomize_weights(ann, min, max);
                FannErrors.ThrowIfError(ann, "Randomizing weights");
                return;
            }
            int n = (int)Native.fann_get_total_connections(ann);
            var weights = new float[n];
            var rng = new SplitMix64((ulong)(long)seed.Value);
            float range = max - min;
            for (int i = 0; i < n; i++)
                weights[i] = Math.Clamp(min + range * rng.NextUnitFloat(), min, max);
            WriteWeightsUnlocked(ann, weights, _mayHoldTrainingState);
        }
    }

    /// <summary>All connection weights in libfann's order (the order of fann_get_connection_array).</summary>
    public float[] GetWeights()
    {
        lock (_sync)
        {
            nint ann = Ann();
            int n = (int)Native.fann_get_total_connections(ann);
            var weights = new float[n];
            if (FannLibrary.DirectWeightAccess && FannLayout.Agrees(ann))
            {
                new ReadOnlySpan<float>(FannLayout.WeightArray(ann), n).CopyTo(weights);
                return weights;
            }
            var connections = ReadConnections(ann, n);
            for (int i = 0; i < n; i++) weights[i] = connections[i].Weight;
            return weights;
        }
    }

    /// <summary>Replace all weights (exactly <see cref="ConnectionCount"/> finite values, libfann's order). Training state is reset.</summary>
    public void SetWeights(ReadOnlySpan<float> weights)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            if (!float.IsFinite(weights[i]))
                throw new ArgumentException($"weights[{i}] is {weights[i]}; weights must be finite.", nameof(weights));
        }
        lock (_sync)
        {
            nint ann = AnnForChange();
            int n = (int)Native.fann_get_total_connections(ann);
            if (weights.Length != n)
                throw new ArgumentException($"weights has {weights.Length} values but the network has {n} connections; the length must match exactly.", nameof(weights));
            WriteWeightsUnlocked(ann, weights, _mayHoldTrainingState);
        }
    }

    private static void WriteWeightsUnlocked(nint ann, ReadOnlySpan<float> weights, bool resetTraining)
    {
        int n = weights.Length;
        bool direct = FannLibrary.DirectWeightAccess && FannLayout.Agrees(ann);
        if (!direct && n > SlowWeightPathLimit)
            throw new NotSupportedException($"Setting {n} weights needs direct weight access, which failed its layout check for this libfann; the fallback is limited to {SlowWeightPathLimit} connections.");

        // Range [0, 0] zeroes the weights and, like any randomization, resets Rprop/Quickprop state for the new weights.
        if (resetTraining)
        {
            lock (FannLibrary.RandLock)
                Native.fann_randomize_weights(ann, 0f, 0f);
        }
        if (direct)
        {
            weights.CopyTo(new Span<float>(FannLayout.WeightArray(ann), n));
        }
        else
        {
            var connections = ReadConnections(ann, n);
            for (int i = 0; i < n; i++) connections[i].Weight = weights[i];
            fixed (Native.FannConnection* c = connections)
                Native.fann_set_weight_array(ann, c, (uint)n);
        }
        FannErrors.ThrowIfError(ann, "Setting weights");
    }

    private static Native.FannConnection[] ReadConnections(nint ann, int n)
    {
        var connections = new Native.FannConnection[n];
        fixed (Native.FannConnection* c = connections)
            Native.fann_get_connection_array(ann, c);
        return connections;
    }

    /// <summary>Small, fixed generator so seeded weights never change with .NET or libc versions.</summary>
    private struct SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public float NextUnitFloat()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 40) * (1f / (1 << 24)); // 24 random bits -> [0, 1)
        }
    }

    // ---------- lifetime ----------

    public void Dispose()
    {
        lock (_sync) _handle.Dispose();
    }

    public override string ToString()
    {
        lock (_sync)
        {
            if (_handle.IsClosed) return "NeuralNetwork (disposed)";
            return $"NeuralNetwork {Type} {string.Join("-", LayerSizesUnlocked(Ann()))}";
        }
    }

    /// <summary>The raw handle; callers hold <see cref="_sync"/>, which Dispose also takes.</summary>
    private nint Ann()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return _handle.DangerousGetHandle();
    }

    /// <summary>The raw handle for a call that may change what fann_run computes (weights, activations, steepness, shape).</summary>
    private nint AnnForChange()
    {
        nint ann = Ann();
        _forward = null;
        _forwardUnsupported = false;
        _runsSinceChange = 0;
        return ann;
    }
}
