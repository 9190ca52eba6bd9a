namespace SwarmCluster.Fann;

/// <summary>Neuron activation functions, in the order of FANN 2.2.0's <c>fann_activationfunc_enum</c>.</summary>
public enum ActivationFunction
{
    Linear = 0,
    Threshold,
    ThresholdSymmetric,
    Sigmoid,
    SigmoidStepwise,
    SigmoidSymmetric,
    SigmoidSymmetricStepwise,
    Gaussian,
    GaussianSymmetric,
    /// <summary>Declared by FANN but not implemented in the float build: always outputs 0, cannot be trained.</summary>
    GaussianStepwise,
    Elliot,
    ElliotSymmetric,
    LinearPiece,
    LinearPieceSymmetric,
    SinSymmetric,
    CosSymmetric,
    Sin,
    Cos,
}

/// <summary>Training algorithms (<c>fann_train_enum</c>).</summary>
public enum TrainingAlgorithm
{
    Incremental = 0,
    Batch = 1,
    Rprop = 2,
    Quickprop = 3,
    /// <summary>Present in 2.2.0; listed so a network loaded with it reports a named value.</summary>
    Sarprop = 4,
}

/// <summary>Error function training backpropagates (<c>fann_errorfunc_enum</c>).</summary>
public enum ErrorFunction
{
    /// <summary>The plain difference target - output: training fits the mean target (e.g. a success rate).</summary>
    Linear = 0,
    /// <summary>FANN's default: the difference stretched like atanh, so large errors weigh far more.</summary>
    Tanh,
}

/// <summary>Network connection layout (<c>fann_nettype_enum</c>).</summary>
public enum NetworkType
{
    /// <summary>Each layer connects only to the next layer.</summary>
    Layer = 0,
    /// <summary>Each layer connects to all following layers (needed for cascade training).</summary>
    Shortcut = 1,
}
