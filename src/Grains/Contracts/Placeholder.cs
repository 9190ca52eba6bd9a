namespace SwarmCluster.Contracts; internal static class Placeholder {}
