using System.Runtime.InteropServices;

namespace SwarmCluster.Fann;

/// <summary>Raw libfann 2.2.0 (float build) and libc entry points. Callers validate everything first.</summary>
internal static unsafe partial class Native
{
    // Logical names; FannLibrary's resolver maps them to the real files.
    internal const string Fann = "fann";
    internal const string LibC = "libc";

    [StructLayout(LayoutKind.Sequential)]
    internal struct FannConnection
    {
        public uint FromNeuron;
        public uint ToNeuron;
        public float Weight;
    }

    // errors
    [LibraryImport(Fann)] internal static partial void fann_set_error_log(nint errdat, nint logFile);
    [LibraryImport(Fann)] internal static partial int fann_get_errno(nint errdat);
    [LibraryImport(Fann)] internal static partial void fann_reset_errno(nint errdat);
    [LibraryImport(Fann)] internal static partial void fann_reset_errstr(nint errdat);

    // networks
    [LibraryImport(Fann)] internal static partial nint fann_create_standard_array(uint numLayers, uint* layers);
    [LibraryImport(Fann)] internal static partial nint fann_create_shortcut_array(uint numLayers, uint* layers);
    [LibraryImport(Fann)] internal static partial void fann_destroy(nint ann);
    [LibraryImport(Fann)] internal static partial nint fann_copy(nint ann);
    [LibraryImport(Fann)] internal static partial float* fann_run(nint ann, float* input);
    [LibraryImport(Fann)] internal static partial void fann_randomize_weights(nint ann, float min, float max);
    [LibraryImport(Fann)] internal static partial uint fann_get_num_input(nint ann);
    [LibraryImport(Fann)] internal static partial uint fann_get_num_output(nint ann);
    [LibraryImport(Fann)] internal static partial uint fann_get_total_neurons(nint ann);
    [LibraryImport(Fann)] internal static partial uint fann_get_total_connections(nint ann);
    [LibraryImport(Fann)] internal static partial uint fann_get_num_layers(nint ann);
    [LibraryImport(Fann)] internal static partial int fann_get_network_type(nint ann);
    [LibraryImport(Fann)] internal static partial void fann_get_layer_array(nint ann, uint* layers);
    [LibraryImport(Fann)] internal static partial void fann_get_connection_array(nint ann, FannConnection* connections);
    [LibraryImport(Fann)] internal static partial void fann_set_weight_array(nint ann, FannConnection* connections, uint count);

    // parameters
    [LibraryImport(Fann)] internal static partial int fann_get_activation_function(nint ann, int layer, int neuron);
    [LibraryImport(Fann)] internal static partial void fann_set_activation_function_hidden(nint ann, int function);
    [LibraryImport(Fann)] internal static partial void fann_set_activation_function_output(nint ann, int function);
    [LibraryImport(Fann)] internal static partial float fann_get_activation_steepness(nint ann, int layer, int neuron);
    [LibraryImport(Fann)] internal static partial void fann_set_activation_steepness_hidden(nint ann, float steepness);
    [LibraryImport(Fann)] internal static partial void fann_set_activation_steepness_output(nint ann, float steepness);
    [LibraryImport(Fann)] internal static partial int fann_get_training_algorithm(nint ann);
    [LibraryImport(Fann)] internal static partial void fann_set_training_algorithm(nint ann, int algorithm);
    [LibraryImport(Fann)] internal static partial float fann_get_learning_rate(nint ann);
    [LibraryImport(Fann)] internal static partial void fann_set_learning_rate(nint ann, float rate);
    [LibraryImport(Fann)] internal static partial int fann_get_train_error_function(nint ann);
    [LibraryImport(Fann)] internal static partial void fann_set_train_error_function(nint ann, int function);
    [LibraryImport(Fann)] internal static partial void fann_set_callback(nint ann, nint callback);
    [LibraryImport(Fann)] internal static partial uint fann_get_cascade_activation_functions_count(nint ann);
    [LibraryImport(Fann)] internal static partial int* fann_get_cascade_activation_functions(nint ann);
    [LibraryImport(Fann)] internal static partial uint fann_get_cascade_num_candidates(nint ann);
    // fann_copy in 2.2.0 forgets these; Copy() puts them back.
    [LibraryImport(Fann)] internal static partial uint fann_get_cascade_min_out_epochs(nint ann);
    [LibraryImport(Fann)] internal static partial void fann_set_cascade_min_out_epochs(nint ann, uint epochs);
    [LibraryImport(Fann)] internal static partial uint fann_get_cascade_min_cand_epochs(nint ann);
    [LibraryImport(Fann)] internal static partial void fann_set_cascade_min_cand_epochs(nint ann, uint epochs);
    [LibraryImport(Fann)] internal static partial float fann_get_sarprop_weight_decay_shift(nint ann);
    [LibraryImport(Fann)] internal static partial void fann_set_sarprop_weight_decay_shift(nint ann, float value);
    [LibraryImport(Fann)] internal static partial float fann_get_sarprop_step_error_threshold_factor(nint ann);
    [LibraryImport(Fann)] internal static partial void fann_set_sarprop_step_error_threshold_factor(nint ann, float value);
    [LibraryImport(Fann)] internal static partial float fann_get_sarprop_step_error_shift(nint ann);
    [LibraryImport(Fann)] internal static partial void fann_set_sarprop_step_error_shift(nint ann, float value);
    [LibraryImport(Fann)] internal static partial float fann_get_sarprop_temperature(nint ann);
    [LibraryImport(Fann)] internal static partial void fann_set_sarprop_temperature(nint ann, float value);

    // training
    [LibraryImport(Fann)] internal static partial float fann_train_epoch(nint ann, nint data);
    [LibraryImport(Fann)] internal static partial void fann_train(nint ann, float* input, float* desiredOutput);
    [LibraryImport(Fann)] internal static partial float fann_test_data(nint ann, nint data);
    [LibraryImport(Fann)] internal static partial float fann_get_MSE(nint ann);
    [LibraryImport(Fann)] internal static partial void fann_cascadetrain_on_data(nint ann, nint data, uint maxNeurons, uint neuronsBetweenReports, float desiredError);

    // training data
    [LibraryImport(Fann)]
    internal static partial nint fann_create_train_from_callback(
        uint numData, uint numInput, uint numOutput, delegate* unmanaged<uint, uint, uint, float*, float*, void> fill);
    [LibraryImport(Fann)] internal static partial void fann_destroy_train(nint data);
    [LibraryImport(Fann)] internal static partial uint fann_length_train_data(nint data);
    [LibraryImport(Fann)] internal static partial uint fann_num_input_train_data(nint data);
    [LibraryImport(Fann)] internal static partial uint fann_num_output_train_data(nint data);

    // in-memory (de)serialisation: exported by 2.2.0 and declared in fann_internal.h
    [LibraryImport(Fann)] internal static partial nint fann_create_from_fd(nint file, byte* configurationName);
    [LibraryImport(Fann)] internal static partial int fann_save_internal_fd(nint ann, nint file, byte* configurationName, uint saveAsFixed);

    // libc streams over memory, so libfann never sees a file path
    [LibraryImport(LibC, SetLastError = true)] internal static partial nint fmemopen(void* buffer, nuint size, byte* mode);
    [LibraryImport(LibC, SetLastError = true)] internal static partial nint open_memstream(nint* bufferLocation, nuint* sizeLocation);
    [LibraryImport(LibC)] internal static partial int fclose(nint file);
    [LibraryImport(LibC)] internal static partial void free(nint pointer);

    /// <summary>Every fann export the binding calls; checked at load so a partial library reports "unavailable" up front.</summary>
    internal static readonly string[] RequiredExports =
    [
        "fann_set_error_log", "fann_get_errno", "fann_reset_errno", "fann_reset_errstr",
        "fann_create_standard_array", "fann_create_shortcut_array", "fann_destroy", "fann_copy", "fann_run",
        "fann_randomize_weights", "fann_get_num_input", "fann_get_num_output", "fann_get_total_neurons",
        "fann_get_total_connections", "fann_get_num_layers", "fann_get_network_type", "fann_get_layer_array",
        "fann_get_connection_array", "fann_set_weight_array", "fann_get_activation_function",
        "fann_set_activation_function_hidden", "fann_set_activation_function_output",
        "fann_get_activation_steepness", "fann_set_activation_steepness_hidden",
        "fann_set_activation_steepness_output", "fann_get_training_algorithm", "fann_set_training_algorithm",
        "fann_get_learning_rate", "fann_set_learning_rate", "fann_get_train_error_function", "fann_set_train_error_function",
        "fann_set_callback",
        "fann_get_cascade_activation_functions_count", "fann_get_cascade_activation_functions",
        "fann_get_cascade_num_candidates", "fann_get_cascade_min_out_epochs", "fann_set_cascade_min_out_epochs",
        "fann_get_cascade_min_cand_epochs", "fann_set_cascade_min_cand_epochs",
        "fann_get_sarprop_weight_decay_shift", "fann_set_sarprop_weight_decay_shift",
        "fann_get_sarprop_step_error_threshold_factor", "fann_set_sarprop_step_error_threshold_factor",
        "fann_get_sarprop_step_error_shift", "fann_set_sarprop_step_error_shift",
        "fann_get_sarprop_temperature", "fann_set_sarprop_temperature",
        "fann_train_epoch", "fann_train", "fann_test_data", "fann_get_MSE", "fann_cascadetrain_on_data",
        "fann_create_train_from_callback", "fann_destroy_train", "fann_length_train_data",
        "fann_num_input_train_data", "fann_num_output_train_data", "fann_create_from_fd", "fann_save_internal_fd",
    ];
}
