using SwarmCluster.Contracts.Errors;

namespace SwarmCluster.Grains.Tests;

internal static class Expect
{
    /// <summary>Awaits a call that must fail with a DomainException of the given kind naming the parameter.</summary>
    public static async Task<DomainException> Domain(ErrorKind kind, string? parameter, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<DomainException>(call);
        Assert.Equal(kind, ex.Kind);
        if (parameter is not null)
        {
            Assert.Equal(parameter, ex.Parameter);
        }

        return ex;
    }

    public static Task<DomainException> Invalid(string parameter, Func<Task> call) => Domain(ErrorKind.InvalidArgument, parameter, call);

    public static DomainException DomainSync(ErrorKind kind, string? parameter, Action call)
    {
        var ex = Assert.Throws<DomainException>(call);
        Assert.Equal(kind, ex.Kind);
        if (parameter is not null)
        {
            Assert.Equal(parameter, ex.Parameter);
        }

        return ex;
    }

    public static void BitIdentical(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"output {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
