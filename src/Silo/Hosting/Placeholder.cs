namespace SwarmCluster.Hosting; internal static class Placeholder {}
