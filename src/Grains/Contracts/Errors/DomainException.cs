namespace SwarmCluster.Contracts.Errors;

/// <summary>What went wrong, so the gateway can map it to a status (404, 400, 409 ...).</summary>
public enum ErrorKind
{
    NotFound,
    InvalidArgument,
    Conflict,
    CapacityExceeded,
    Unavailable,
}

/// <summary>
/// A rule of the domain was broken. Crosses grain boundaries with its kind and the offending parameter,
/// so a tool can answer "parameter X: rule Y" instead of a generic failure.
/// </summary>
[GenerateSerializer, Alias("swarm.error")]
public sealed class DomainException : Exception
{
    public DomainException(ErrorKind kind, string message, string? parameter = null) : base(message)
    {
        Kind = kind;
        Parameter = parameter;
    }

    [Id(0)] public ErrorKind Kind { get; private set; }
    [Id(1)] public string? Parameter { get; private set; }

    public static DomainException NotFound(string what, string id, string? parameter = null) =>
        new(ErrorKind.NotFound, $"{what} '{id}' not found", parameter);

    public static DomainException Invalid(string parameter, string rule) =>
        new(ErrorKind.InvalidArgument, $"{parameter}: {rule}", parameter);
}
