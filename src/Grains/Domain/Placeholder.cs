namespace SwarmCluster.Grains; internal static class Placeholder {}
