namespace SwarmCluster.Fann.Tests;

public class TrainStepTests
{
    [Fact]
    public void A_step_moves_the_output_toward_the_target_and_a_target_equal_to_the_output_moves_nothing_there()
    {
        using var net = NeuralNetwork.CreateStandard(2, 4, 2);
        net.HiddenActivation = ActivationFunction.SigmoidSymmetric;
        net.OutputActivation = ActivationFunction.Sigmoid;
        net.TrainErrorFunction = ErrorFunction.Linear;
        net.RandomizeWeights(-0.5f, 0.5f, seed: 7);
        float[] input = [0.3f, -0.8f];

        var before = net.Run(input);
        for (int i = 0; i < 20; i++)
            net.TrainStep(input, [1f, net.Run(input)[1]]);
        var after = net.Run(input);
        Assert.True(after[0] > before[0] + 0.05f, $"output 0 should rise toward 1: {before[0]} -> {after[0]}");
        // Output 1 had no error at any step: only shared hidden weights moved it, far less than output 0.
        Assert.True(Math.Abs(after[1] - before[1]) < Math.Abs(after[0] - before[0]) / 2, $"output 1: {before[1]} -> {after[1]}");
    }

    [Fact]
    public void Arguments_are_checked_before_libfann_sees_them()
    {
        using var net = NeuralNetwork.CreateStandard(2, 3, 1);
        var weights = net.GetWeights();
        Assert.Throws<ArgumentException>(() => net.TrainStep([1f], [0f]));
        Assert.Throws<ArgumentException>(() => net.TrainStep([1f, 1f], [0f, 1f]));
        Assert.Throws<ArgumentException>(() => net.TrainStep([1f, float.NaN], [0f]));
        Assert.Throws<ArgumentException>(() => net.TrainStep([1f, 1f], [float.PositiveInfinity]));
        Datasets.AssertBitIdentical(weights, net.GetWeights());

        net.TrainStep([1f, 1f], [0f]); // trainable: checked once, then remembered
        net.HiddenActivation = ActivationFunction.Threshold; // ... until an activation changes
        var e = Assert.Throws<InvalidOperationException>(() => net.TrainStep([1f, 1f], [0f]));
        Assert.Contains("Threshold", e.Message);
    }

    [Fact]
    public void Error_function_and_learning_rate_survive_copy_and_save()
    {
        using var net = NeuralNetwork.CreateStandard(3, 2, 1);
        Assert.Equal(ErrorFunction.Tanh, net.TrainErrorFunction); // FANN's default
        net.TrainErrorFunction = ErrorFunction.Linear;
        net.LearningRate = 0.5f;
        using var copy = net.Copy();
        Assert.Equal(ErrorFunction.Linear, copy.TrainErrorFunction);
        Assert.Equal(0.5f, copy.LearningRate);
        using var loaded = NeuralNetwork.FromBytes(net.ToBytes());
        Assert.Equal(ErrorFunction.Linear, loaded.TrainErrorFunction);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainErrorFunction = (ErrorFunction)5);
    }
}
