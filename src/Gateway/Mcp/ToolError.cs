using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Runtime;
using SwarmCluster.Contracts.Errors;

namespace SwarmCluster.Gateway.Mcp;

/// <summary>What a failed call tells the client: a kind (→ HTTP status), the parameter at fault and a readable rule.</summary>
public sealed record ToolError(string Kind, string? Parameter, string Message)
{
    public string? Parameter { get; init; } = Parameter is { Length: > 200 } p ? p[..197] + "..." : Parameter;

    public string Message { get; init; } = Message.Length > MaxMessageLength ? Message[..(MaxMessageLength - 3)] + "..." : Message;

    public const string InvalidArgument = "invalid_argument";
    public const string NotFound = "not_found";
    public const string Conflict = "conflict";
    public const string CapacityExceeded = "capacity_exceeded";
    public const string Unavailable = "unavailable";
    public const string Internal = "internal";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string TooLarge = "too_large";
    public const string Forbidden = "forbidden";

    /// <summary>Set on internal errors only: the id under which the server log holds the details.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CorrelationId { get; init; }

    /// <summary>Longest message returned: errors can quote what the client sent, which can be huge.</summary>
    public const int MaxMessageLength = 2000;

    [JsonIgnore]
    public int HttpStatus => Kind switch
    {
        InvalidArgument => StatusCodes.Status400BadRequest,
        NotFound => StatusCodes.Status404NotFound,
        Conflict or CapacityExceeded => StatusCodes.Status409Conflict,
        Unavailable => StatusCodes.Status503ServiceUnavailable,
        UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        TooLarge => StatusCodes.Status413PayloadTooLarge,
        Forbidden => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>
    /// Maps what a tool threw to an error the client can act on. Returns null for cancellation by the caller,
    /// which must propagate.
    /// </summary>
    public static ToolError? FromException(Exception exception, string tool, CancellationToken callerToken)
    {
        if (exception is OperationCanceledException && callerToken.IsCancellationRequested)
            return null;
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
            exception = aggregate.InnerExceptions[0];

        return exception switch
        {
            DomainException d => new(KindOf(d.Kind), d.Parameter, WithParameter(d.Parameter, d.Message)),
            JsonException j => new(InvalidArgument, null, $"invalid arguments: {j.Message}"),
            // The function binder's messages end in " (Parameter 'arguments')", which names nothing useful.
            ArgumentException a => new(InvalidArgument, a.ParamName is "arguments" ? null : a.ParamName,
                a.ParamName is null ? a.Message : a.Message.Replace($" (Parameter '{a.ParamName}')", "", StringComparison.Ordinal)),
            TimeoutException => new(Unavailable, null,
                $"{tool}: the cluster did not answer in time (a silo may be starting or failing over); try again"),
            OrleansMessageRejectionException m => new(Unavailable, null,
                $"{tool}: the cluster rejected the call ({FirstLine(m.Message)}); try again in a few seconds"),
            OrleansException o when o.Message.Contains("No active nodes are compatible", StringComparison.Ordinal) => new(Unavailable, null,
                $"{tool}: no worker silo is running to host this grain; start a worker or use the embedded role"),
            SwarmCluster.Fann.FannUnavailableException f => new(Unavailable, null, f.Message),
            OperationCanceledException => new(Unavailable, null, $"{tool}: the call was cancelled (the cluster is shutting down?)"),
            Security.ForbiddenException f => new(Forbidden, null, f.Message),
            // Never the exception's type or text: they can tell a stranger about the server. The log has both.
            _ => InternalError(tool),
        };
    }

    /// <summary>A generic failure with a fresh correlation id, which the caller logs with the details.</summary>
    public static ToolError InternalError(string what)
    {
        var id = NewCorrelationId();
        return new(Internal, null, $"{what} failed: internal error (correlation id {id}; the details are in the server log)") { CorrelationId = id };
    }

    public static string NewCorrelationId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    private static string KindOf(ErrorKind kind) => kind switch
    {
        ErrorKind.NotFound => NotFound,
        ErrorKind.InvalidArgument => InvalidArgument,
        ErrorKind.Conflict => Conflict,
        ErrorKind.CapacityExceeded => CapacityExceeded,
        ErrorKind.Unavailable => Unavailable,
        _ => Internal,
    };

    // "taskId: task 'x' not found": the parameter leads unless the message already starts with it.
    private static string WithParameter(string? parameter, string message) =>
        parameter is null || message.StartsWith(parameter, StringComparison.Ordinal) ? message : $"{parameter}: {message}";

    // Orleans messages can carry nested exception dumps; the client needs only the reason.
    private static string FirstLine(string message) =>
        message.Split('\n', 2)[0].Trim();
}
