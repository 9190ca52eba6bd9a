namespace SwarmCluster.Hosting;

/// <summary>Names shared between hosting and grains.</summary>
public static class SwarmStorage
{
    /// <summary>
    /// Grain storage provider name. Grains use the literal: <c>[PersistentState("state", "swarm")]</c>
    /// (grain projects do not reference Hosting).
    /// </summary>
    public const string ProviderName = "swarm";
}
