using System.Text.Json;
using SwarmCluster.Contracts.Errors;

namespace SwarmCluster.Gateway.Tools;

/// <summary>Small conversions shared by the tools (arguments are already schema-checked).</summary>
internal static class Values
{
    /// <summary>"in_progress", "by-agent", "mesh" → the contract enum member.</summary>
    public static T Enum<T>(string value, string parameter) where T : struct, System.Enum =>
        System.Enum.TryParse<T>(value.Replace("_", "").Replace("-", ""), ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed)
            ? parsed
            : throw DomainException.Invalid(parameter, $"unknown value '{value}'");

    /// <summary>The ruv-swarm spelling of an enum member ("InProgress" → "in_progress").</summary>
    public static string Name<T>(T value) where T : struct, System.Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>A tool parameter's enum value as clients spell it (the argument serializer's name: "by-agent", "in_progress").</summary>
    public static string Wire<T>(T value) where T : struct, System.Enum =>
        JsonSerializer.SerializeToElement(value, Mcp.ToolJson.Arguments).GetString()!;

    public static string NonBlank(string value, string parameter) =>
        string.IsNullOrWhiteSpace(value) ? throw DomainException.Invalid(parameter, "must not be blank") : value.Trim();

    public static IReadOnlyList<string>? Labels(string[]? values, string parameter, int maxLength = 64)
    {
        if (values is null)
            return null;
        for (var i = 0; i < values.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(values[i]))
                throw DomainException.Invalid($"{parameter}[{i}]", "must not be blank");
            if (values[i].Length > maxLength)
                throw DomainException.Invalid($"{parameter}[{i}]", $"must be at most {maxLength} characters (got {values[i].Length})");
        }
        return values.Select(v => v.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    public static float[] Vector(double[]? values, string parameter, int expectedLength, string what)
    {
        if (values is null)
            throw DomainException.Invalid(parameter, $"must be an array of {expectedLength} numbers ({what})");
        if (values.Length != expectedLength)
            throw DomainException.Invalid(parameter, $"must have {expectedLength} numbers ({what}), got {values.Length}");
        var vector = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]) || Math.Abs(values[i]) > float.MaxValue)
                throw DomainException.Invalid($"{parameter}[{i}]", "must be a finite number");
            vector[i] = (float)values[i];
        }
        return vector;
    }

    /// <summary>NaN/∞ have no JSON form; an unknown figure is null.</summary>
    public static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    public static double Round(double value, int digits = 3) => Math.Round(value, digits, MidpointRounding.AwayFromZero);
}
