namespace SwarmCluster.Fann; internal static class Placeholder {}
