namespace SwarmCluster.Grains.Routing;

/// <summary>
/// Turns a task's text into the 128 inputs of a swarm network. The encoding is part of every trained
/// network's meaning: changing it silently invalidates trained weights, so it is pinned by tests.
/// <list type="bullet">
/// <item>Tokens: <see cref="TextTokens.Words"/> (lower-case words, stop words and 1-char words dropped).</item>
/// <item>[0..119] hashed bag of words: every token as "w:token" is hashed with FNV-1a
/// (<see cref="StableTextHash"/>, never string.GetHashCode); bucket = hash % 120, sign = bit 31 of the hash
/// (set: -1, clear: +1); signed counts are added, then the 120 values are L2-normalised (all zero for a text
/// without tokens). No bigrams: with only 120 buckets they doubled the collisions, and in our measurements
/// (a few dozen outcomes) they roughly halved how often a trained network routed unseen tasks right.</item>
/// <item>[120] length: min(1, log2(1 + tokens) / 8).</item>
/// <item>[121] vocabulary richness: distinct tokens / tokens (0 without tokens).</item>
/// <item>[122..127] reserved, always 0 (room for new features without shifting old ones).</item>
/// </list>
/// Priority and strategy are deliberately not encoded: who is good at a task depends on what it is about,
/// and recorded outcomes carry only the description.
/// </summary>
public static class TaskFeatureEncoder
{
    public const int Size = 128;
    public const int HashedBuckets = 120;
    public const int LengthIndex = 120;
    public const int RichnessIndex = 121;

    public static float[] Encode(string? text)
    {
        var vector = new float[Size];
        var words = TextTokens.Words(text);
        if (words.Count == 0)
        {
            return vector;
        }

        foreach (var word in words)
        {
            Add(vector, "w:" + word);
        }

        double sumSquares = 0;
        for (var i = 0; i < HashedBuckets; i++)
        {
            sumSquares += (double)vector[i] * vector[i];
        }

        if (sumSquares > 0)
        {
            var norm = Math.Sqrt(sumSquares);
            for (var i = 0; i < HashedBuckets; i++)
            {
                vector[i] = (float)(vector[i] / norm);
            }
        }

        vector[LengthIndex] = (float)Math.Min(1.0, Math.Log2(1 + words.Count) / 8.0);
        vector[RichnessIndex] = (float)words.Distinct(StringComparer.Ordinal).Count() / words.Count;
        return vector;
    }

    /// <summary>Bucket and sign of one feature string (exposed for tests and diagnostics).</summary>
    public static (int Bucket, int Sign) Locate(string feature)
    {
        var hash = StableTextHash.Fnv1a(feature);
        return ((int)(hash % HashedBuckets), (hash & 0x8000_0000) != 0 ? -1 : 1);
    }

    private static void Add(float[] vector, string feature)
    {
        var (bucket, sign) = Locate(feature);
        vector[bucket] += sign;
    }
}
