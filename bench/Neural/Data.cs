namespace SwarmCluster.Bench.Neural;

/// <summary>The same deterministic inputs and targets as bench_input()/bench_target() in bench/c/fann_loop.c.</summary>
internal static class Data
{
    public static float Input(uint i, uint j) => (i * 7919u + j * 104729u) % 1000u / 1000.0f;

    /// <summary>bench_weight(): the same weights as the C loop, in libfann's connection order.</summary>
    public static float[] Weights(int count) =>
        Enumerable.Range(0, count).Select(i => unchecked((uint)i * 2654435761u) % 2001u / 10000.0f - 0.1f).ToArray();

    public static float[][] Inputs(int rows, int width) =>
        Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, width).Select(j => Input((uint)i, (uint)j)).ToArray()).ToArray();

    public static float[][] Targets(int rows, int width) =>
        Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, width).Select(k => k == i % width ? 1f : 0f).ToArray()).ToArray();
}
