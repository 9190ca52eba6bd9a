using Orleans.Core;

namespace SwarmCluster.Grains;

internal static class StorageWrites
{
    /// <summary>
    /// Writes the state. A failed write leaves the in-memory copy ahead of the database, so the grain deactivates
    /// (<paramref name="deactivate"/>) and the next call reloads what is really stored.
    /// </summary>
    public static async Task WriteOrReloadAsync(this IStorage storage, Action deactivate)
    {
        try
        {
            await storage.WriteStateAsync();
        }
        catch
        {
            deactivate();
            throw;
        }
    }
}
