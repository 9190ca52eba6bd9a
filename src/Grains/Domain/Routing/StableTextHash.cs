using System.Text;

namespace SwarmCluster.Grains.Routing;

/// <summary>
/// 32-bit FNV-1a over UTF-8. Unlike string.GetHashCode (randomised per process) it gives the same value on
/// every machine and run, which trained networks and reproducible weight seeds depend on.
/// </summary>
public static class StableTextHash
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    public static uint Fnv1a(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        var count = Encoding.UTF8.GetBytes(text, buffer);
        var hash = OffsetBasis;
        foreach (var b in buffer[..count])
        {
            hash ^= b;
            hash *= Prime;
        }

        return hash;
    }

    /// <summary>A non-negative int seed for FANN weight initialisation derived from an id.</summary>
    public static int Seed(string id) => (int)(Fnv1a(id) & 0x7FFF_FFFF);
}
