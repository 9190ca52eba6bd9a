using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Tests.Unit;

public class TaskFeatureEncoderTests
{
    [Theory]
    [InlineData("", 0x811c9dc5u)]
    [InlineData("a", 0xe40c292cu)]
    [InlineData("foobar", 0xbf9cf968u)]
    public void Fnv1a_matches_the_published_test_vectors(string text, uint expected) =>
        Assert.Equal(expected, StableTextHash.Fnv1a(text));

    [Fact]
    public void Known_text_encodes_to_pinned_values()
    {
        // Pinned from an independent FNV-1a computation: these numbers are what every process, on every
        // machine, must produce; trained networks depend on them.
        var v = TaskFeatureEncoder.Encode("database migration");
        Assert.Equal(128, v.Length);
        var half = (float)(1 / Math.Sqrt(2));
        Assert.Equal(half, v[89], 6);   // w:database  → FNV-1a 1490630969 → bucket 89, sign +1
        Assert.Equal(half, v[88], 6);   // w:migration → FNV-1a 2108976808 → bucket 88, sign +1
        Assert.Equal(0.1981203f, v[TaskFeatureEncoder.LengthIndex], 6);
        Assert.Equal(1f, v[TaskFeatureEncoder.RichnessIndex]);
        Assert.Equal(4, v.Count(x => x != 0));
        Assert.Equal((89, 1), TaskFeatureEncoder.Locate("w:database"));
    }

    [Theory]
    [InlineData("Build the REST API for orders, then write integration tests")]
    [InlineData("optimize the database index on the orders table")]
    [InlineData("x")]
    public void Hashed_part_is_unit_length_and_reserved_inputs_are_zero(string text)
    {
        var v = TaskFeatureEncoder.Encode(text);
        var norm = Math.Sqrt(v.Take(TaskFeatureEncoder.HashedBuckets).Sum(x => (double)x * x));
        if (text == "x")
        {
            Assert.All(v, x => Assert.Equal(0f, x)); // one-letter words are dropped: nothing to encode
            return;
        }

        Assert.Equal(1.0, norm, 5);
        Assert.All(v.Skip(122), x => Assert.Equal(0f, x));
        Assert.All(v, x => Assert.True(float.IsFinite(x)));
    }

    [Fact]
    public void Encoding_ignores_case_and_punctuation()
    {
        Assert.Equal(TaskFeatureEncoder.Encode("database migration"), TaskFeatureEncoder.Encode("  DATABASE, Migration!"));
        Assert.NotEqual(TaskFeatureEncoder.Encode("database migration"), TaskFeatureEncoder.Encode("database rollback"));
        Assert.All(TaskFeatureEncoder.Encode(null), x => Assert.Equal(0f, x));
    }
}
