namespace SwarmCluster.Fann;

/// <summary>A failure reported by libfann, or detected by the binding around a native call.</summary>
public class FannException : Exception
{
    /// <summary>Error code detected by the binding itself rather than by libfann.</summary>
    public const int BindingError = -1;

    public FannException(string message) : this(BindingError, message) { }

    public FannException(int errorCode, string message) : base(message) => ErrorCode = errorCode;

    public FannException(int errorCode, string message, Exception? inner) : base(message, inner) => ErrorCode = errorCode;

    /// <summary>libfann's <c>fann_errno_enum</c> value, or <see cref="BindingError"/> (-1).</summary>
    public int ErrorCode { get; }

    /// <summary>Describe a libfann error code in our own words (libfann's errstr is never read: it can be freed memory).</summary>
    internal static string Describe(int code) => code switch
    {
        0 => "no error",
        1 => "unable to open configuration for reading",
        2 => "unable to open configuration for writing",
        3 => "wrong configuration version",
        4 => "error reading configuration",
        5 => "error reading neuron info from configuration",
        6 => "error reading connections from configuration",
        7 => "number of connections does not match the expected number",
        8 => "unable to open training data for writing",
        9 => "unable to open training data for reading",
        10 => "error reading training data",
        11 => "unable to allocate memory",
        12 => "unable to train with the selected activation function",
        13 => "unable to use the selected activation function",
        14 => "training data sets have different shapes",
        15 => "unable to use the selected training algorithm",
        16 => "subset is not within the training set",
        17 => "index out of bounds",
        18 => "scaling parameters not present",
        19 => "input count of network and data do not match",
        20 => "output count of network and data do not match",
        _ => "unknown libfann error",
    };
}

/// <summary>libfann could not be loaded; the message says how to install it.</summary>
public sealed class FannUnavailableException : FannException
{
    public const string InstallCommand = "apt-get install -y libfann2";

    public FannUnavailableException(string reason)
        : base(BindingError, $"libfann (float build, libfloatfann.so.2) is not available: {reason}. Install it with: {InstallCommand}")
    {
        Reason = reason;
    }

    public string Reason { get; }
}
