using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Errors;

namespace SwarmCluster.Grains;

/// <summary>Argument rules shared by the grains; each failure names the parameter.</summary>
internal static class Checks
{
    public static string Text(string? value, string parameter, int maxLength, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                throw DomainException.Invalid(parameter, "must not be empty");
            }

            return "";
        }

        if (value.Length > maxLength)
        {
            throw DomainException.Invalid(parameter, $"must be at most {maxLength} characters (got {value.Length})");
        }

        if (TextRules.TextProblem(value) is { } rule)
        {
            throw DomainException.Invalid(parameter, rule);
        }

        return value.Trim();
    }

    public static int Range(int value, string parameter, int min, int max)
    {
        if (value < min || value > max)
        {
            throw DomainException.Invalid(parameter, $"must be between {min} and {max} (got {value})");
        }

        return value;
    }

    public static double Fraction(double value, string parameter)
    {
        if (!double.IsFinite(value) || value < 0 || value > 1)
        {
            throw DomainException.Invalid(parameter, $"must be a number between 0 and 1 (got {value})");
        }

        return value;
    }

    public static T Defined<T>(T value, string parameter) where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw DomainException.Invalid(parameter, $"unknown value {value}; expected one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
        }

        return value;
    }

    /// <summary>A vector for the network: exactly <paramref name="length"/> finite values.</summary>
    public static void Vector(float[]? values, string parameter, int length, string? item = null)
    {
        var where = item is null ? "" : item + ": ";
        if (values is null)
        {
            throw DomainException.Invalid(parameter, $"{where}must not be null");
        }

        if (values.Length != length)
        {
            throw DomainException.Invalid(parameter, $"{where}must have exactly {length} values (got {values.Length})");
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw DomainException.Invalid(parameter, $"{where}value at index {i} is not a finite number");
            }
        }
    }
}
