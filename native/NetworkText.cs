using System.Globalization;
using System.Text;

namespace SwarmCluster.Fann;

/// <summary>
/// Full managed check of a FANN_FLO_2.1 network before libfann parses it. libfann's reader trusts the file:
/// neuron indices and per-neuron connection counts are not range-checked (out-of-bounds reads and writes),
/// zero-size layers and zero-length lists break it. We accept only the exact layout fann_save writes for a
/// fully connected layer or shortcut network within the binding's limits, so libfann's lenient fscanf
/// parsing necessarily reads the same values we checked.
/// </summary>
internal static class NetworkText
{
    internal const string Header = "FANN_FLO_2.1";
    internal const int MaxCascadeListLength = 64;

    internal sealed record Shape(NetworkType Type, int[] LayerSizes, long Connections);

    internal static Shape Validate(ReadOnlySpan<byte> text)
    {
        var r = new Reader(text);
        r.Literal(Header + "\n", "the first line must be \"" + Header + "\" (a float network saved by libfann 2.1+)");

        int numLayers = (int)r.UIntLine("num_layers", 2, NeuralNetwork.MaxLayers);
        float learningRate = r.FloatLine("learning_rate");
        // Written with %f: a rate below 5e-7 legitimately comes back as 0.
        if (!(learningRate >= 0)) r.Fail($"learning_rate must be >= 0, found {learningRate}");
        float connectionRate = r.FloatLine("connection_rate");
        if (connectionRate != 1f) r.Fail($"connection_rate must be 1 (sparse networks are not supported), found {connectionRate}");
        var type = (NetworkType)r.UIntLine("network_type", 0, 1);
        r.FloatLine("learning_momentum");
        r.UIntLine("training_algorithm", 0, 4);
        r.UIntLine("train_error_function", 0, 1);
        r.UIntLine("train_stop_function", 0, 1);
        r.FloatLine("cascade_output_change_fraction");
        r.FloatLine("quickprop_decay");
        r.FloatLine("quickprop_mu");
        r.FloatLine("rprop_increase_factor");
        r.FloatLine("rprop_decrease_factor");
        r.FloatLine("rprop_delta_min");
        r.FloatLine("rprop_delta_max");
        r.FloatLine("rprop_delta_zero");
        r.UIntLine("cascade_output_stagnation_epochs", 0, uint.MaxValue);
        r.FloatLine("cascade_candidate_change_fraction");
        r.UIntLine("cascade_candidate_stagnation_epochs", 0, uint.MaxValue);
        r.UIntLine("cascade_max_out_epochs", 0, uint.MaxValue);
        r.UIntLine("cascade_min_out_epochs", 0, uint.MaxValue);
        r.UIntLine("cascade_max_cand_epochs", 0, uint.MaxValue);
        r.UIntLine("cascade_min_cand_epochs", 0, uint.MaxValue);
        r.UIntLine("cascade_num_candidate_groups", 1, MaxCascadeListLength);
        r.FloatLine("bit_fail_limit");
        r.FloatLine("cascade_candidate_limit");
        r.FloatLine("cascade_weight_multiplier");

        // Zero-length lists make libfann's realloc(…, 0) return NULL: require at least one entry.
        int funcCount = (int)r.UIntLine("cascade_activation_functions_count", 1, MaxCascadeListLength);
        r.Literal("cascade_activation_functions=", "expected cascade_activation_functions=");
        for (int i = 0; i < funcCount; i++)
        {
            r.UInt("cascade activation function", 0, (uint)ActivationFunction.Cos);
            r.Literal(" ", "expected a space after each cascade activation function");
        }
        r.Literal("\n", "expected the end of the cascade_activation_functions line");

        int steepCount = (int)r.UIntLine("cascade_activation_steepnesses_count", 1, MaxCascadeListLength);
        r.Literal("cascade_activation_steepnesses=", "expected cascade_activation_steepnesses=");
        for (int i = 0; i < steepCount; i++)
        {
            r.Float("cascade activation steepness", ' ');
            r.Literal(" ", "expected a space after each cascade steepness");
        }
        r.Literal("\n", "expected the end of the cascade_activation_steepnesses line");

        // Stored sizes include bias neurons: every layer in a layer network, only the input layer in a shortcut one.
        r.Literal("layer_sizes=", "expected layer_sizes=");
        var stored = new int[numLayers];
        var sizes = new int[numLayers];
        for (int l = 0; l < numLayers; l++)
        {
            int bias = (type == NetworkType.Layer || l == 0) ? 1 : 0;
            stored[l] = (int)r.UInt("layer size", (uint)(1 + bias), (uint)(NeuralNetwork.MaxNeuronsPerLayer + bias));
            sizes[l] = stored[l] - bias;
            r.Literal(" ", "expected a space after each layer size");
        }
        r.Literal("\n", "expected the end of the layer_sizes line");

        r.Literal("scale_included=0\n", "expected scale_included=0 (networks with scaling parameters are not supported)");

        // Expected connections per stored neuron, and where its sources start (canonical full connectivity).
        var layerStart = new int[numLayers];
        for (int l = 1; l < numLayers; l++) layerStart[l] = layerStart[l - 1] + stored[l - 1];
        int totalNeurons = layerStart[^1] + stored[^1];

        long totalConnections = 0;
        for (int l = 1; l < numLayers; l++)
        {
            long perNeuron = type == NetworkType.Layer ? stored[l - 1] : layerStart[l];
            totalConnections += perNeuron * sizes[l];
        }
        if (totalConnections > NeuralNetwork.MaxConnections)
            r.Fail($"the network has {totalConnections} connections; at most {NeuralNetwork.MaxConnections} are allowed");

        r.Literal("neurons (num_inputs, activation_function, activation_steepness)=", "expected the neurons section");
        var connCount = new int[totalNeurons];
        var sourceStart = new int[totalNeurons];
        int neuron = 0;
        for (int l = 0; l < numLayers; l++)
        {
            for (int k = 0; k < stored[l]; k++, neuron++)
            {
                bool isBias = k >= sizes[l];
                int expected = l == 0 || isBias ? 0 : type == NetworkType.Layer ? stored[l - 1] : layerStart[l];
                r.Literal("(", "expected '(' starting a neuron");
                uint n = r.UInt("neuron connection count", 0, (uint)NeuralNetwork.MaxConnections);
                if (n != expected)
                    r.Fail($"neuron {neuron} (layer {l}) has {n} connections; a fully connected {type} network needs {expected}");
                r.Literal(", ", "expected ', ' in a neuron");
                r.UInt("activation function", 0, (uint)ActivationFunction.Cos);
                r.Literal(", ", "expected ', ' in a neuron");
                float steepness = r.Float("activation steepness", ')');
                // Input and bias neurons are never activated; libfann leaves their steepness at 0.
                if (expected > 0 && !(steepness > 0)) r.Fail($"neuron {neuron} has activation steepness {steepness}; it must be > 0");
                r.Literal(") ", "expected ') ' closing a neuron");
                connCount[neuron] = expected;
                sourceStart[neuron] = type == NetworkType.Layer && l > 0 ? layerStart[l - 1] : 0;
            }
        }
        r.Literal("\n", "expected the end of the neurons line");

        r.Literal("connections (connected_to_neuron, weight)=", "expected the connections section");
        for (int target = 0; target < totalNeurons; target++)
        {
            for (int c = 0; c < connCount[target]; c++)
            {
                r.Literal("(", "expected '(' starting a connection");
                uint source = r.UInt("connected neuron", 0, (uint)totalNeurons - 1);
                if (source != sourceStart[target] + c)
                    r.Fail($"connection {c} of neuron {target} comes from neuron {source}; expected {sourceStart[target] + c}");
                r.Literal(", ", "expected ', ' in a connection");
                r.Float("weight", ')');
                r.Literal(") ", "expected ') ' closing a connection");
            }
        }
        r.Literal("\n", "expected the end of the connections line");
        r.OnlyWhitespaceLeft();

        return new Shape(type, sizes, totalConnections);
    }

    internal sealed class InvalidNetworkTextException(string message) : Exception(message);

    private ref struct Reader(ReadOnlySpan<byte> text)
    {
        private readonly ReadOnlySpan<byte> _text = text;
        private int _pos;
        private int _line = 1;

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        public readonly void Fail(string message) =>
            throw new InvalidNetworkTextException($"line {_line}: {message}");

        public void Literal(string literal, string whatExpected)
        {
            for (int i = 0; i < literal.Length; i++)
            {
                if (_pos + i >= _text.Length || _text[_pos + i] != (byte)literal[i])
                    Fail(whatExpected);
            }
            foreach (char ch in literal)
                if (ch == '\n') _line++;
            _pos += literal.Length;
        }

        public uint UIntLine(string key, uint min, uint max)
        {
            Literal(key + "=", $"expected {key}=");
            uint v = UInt(key, min, max);
            Literal("\n", $"expected the end of the {key} line");
            return v;
        }

        public float FloatLine(string key)
        {
            Literal(key + "=", $"expected {key}=");
            float v = Float(key, '\n');
            Literal("\n", $"expected the end of the {key} line");
            return v;
        }

        /// <summary>Plain decimal digits only (fscanf's %u would also take signs and wrap them).</summary>
        public uint UInt(string what, uint min, uint max)
        {
            int start = _pos;
            while (_pos < _text.Length && _text[_pos] >= (byte)'0' && _text[_pos] <= (byte)'9' && _pos - start < 10) _pos++;
            var token = _text[start.._pos];
            uint v = 0;
            if (token.IsEmpty || !uint.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out v))
                Fail($"{what} must be an unsigned integer");
            if (_pos < _text.Length && _text[_pos] >= (byte)'0' && _text[_pos] <= (byte)'9')
                Fail($"{what} has too many digits");
            if (v < min || v > max)
                Fail($"{what} is {v}; it must be between {min} and {max}");
            return v;
        }

        /// <summary>A finite decimal number ending right before <paramref name="terminator"/>.</summary>
        public float Float(string what, char terminator)
        {
            int start = _pos;
            while (_pos < _text.Length && _text[_pos] != (byte)terminator && _pos - start < 64)
            {
                byte b = _text[_pos];
                if (!(b is >= (byte)'0' and <= (byte)'9' or (byte)'+' or (byte)'-' or (byte)'.' or (byte)'e' or (byte)'E'))
                    Fail($"{what} contains '{(char)b}' (only finite decimal numbers are accepted)");
                _pos++;
            }
            var token = _text[start.._pos];
            const NumberStyles style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
            double d = 0;
            if (token.IsEmpty || !double.TryParse(token, style, CultureInfo.InvariantCulture, out d))
                Fail($"{what} is not a number: \"{Encoding.ASCII.GetString(token)}\"");
            float f = (float)d;
            if (!float.IsFinite(f))
                Fail($"{what} is {Encoding.ASCII.GetString(token)}; it must be a finite single-precision number");
            return f;
        }

        public void OnlyWhitespaceLeft()
        {
            for (; _pos < _text.Length; _pos++)
                if (_text[_pos] is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
                    Fail("unexpected data after the connections section");
        }
    }
}
