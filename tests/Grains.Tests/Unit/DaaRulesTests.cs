using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Daa;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Grains.Daa;
using SwarmCluster.Grains.Tasks;

namespace SwarmCluster.Grains.Tests.Unit;

public class DaaRulesTests
{
    [Fact]
    public void The_estimate_moves_by_the_learning_rate_and_three_low_scores_switch_the_pattern()
    {
        var s1 = AdaptationRule.Apply(null, 0, 0.5, 0.9, CognitivePattern.Convergent, learningEnabled: true);
        Assert.True(s1.Adapted);
        Assert.Equal(0.7, s1.Estimate!.Value, 12); // from the initial 0.5
        Assert.Equal(0, s1.Streak);

        var s2 = AdaptationRule.Apply(s1.Estimate, s1.Streak, 0.5, 0.2, s1.Pattern, true);
        var s3 = AdaptationRule.Apply(s2.Estimate, s2.Streak, 0.5, 0.4999, s2.Pattern, true);
        Assert.Equal(2, s3.Streak);
        Assert.Equal(CognitivePattern.Convergent, s3.Pattern);
        var s4 = AdaptationRule.Apply(s3.Estimate, s3.Streak, 0.5, 0.1, s3.Pattern, true);
        Assert.Equal(CognitivePattern.Divergent, s4.Pattern);
        Assert.Equal(0, s4.Streak);
        Assert.Contains("switched to divergent", s4.Reason);

        // A score of exactly 0.5 is not low: the streak resets.
        Assert.Equal(0, AdaptationRule.Apply(0.3, 2, 0.1, 0.5, CognitivePattern.Lateral, true).Streak);
    }

    [Fact]
    public void Nothing_adapts_without_a_score_or_with_learning_off()
    {
        var noScore = AdaptationRule.Apply(0.4, 2, 0.5, null, CognitivePattern.Systems, true);
        Assert.False(noScore.Adapted);
        Assert.Equal(0.4, noScore.Estimate);
        Assert.Equal(2, noScore.Streak);
        var off = AdaptationRule.Apply(0.4, 2, 0.5, 0.0, CognitivePattern.Systems, false);
        Assert.False(off.Adapted);
        Assert.Equal(CognitivePattern.Systems, off.Pattern);
        Assert.Contains("learning is off", off.Reason);
    }

    [Fact]
    public void Patterns_rotate_in_enum_order_and_wrap() =>
        Assert.Equal(
            [CognitivePattern.Divergent, CognitivePattern.Lateral, CognitivePattern.Systems, CognitivePattern.Critical, CognitivePattern.Adaptive, CognitivePattern.Convergent],
            Enum.GetValues<CognitivePattern>().Select(AdaptationRule.Next));

    [Fact]
    public void Sequential_execution_chains_steps_in_topological_order_keeping_their_own_edges()
    {
        var steps = WorkflowSteps.Normalize(
        [
            new WorkflowStep("b", "second", ["a"]),
            new WorkflowStep("a", "first", []),
            new WorkflowStep("c", "independent", []),
        ]);
        var order = new[] { "a", "b", "c" };
        var parallel = WorkflowSteps.EffectiveDependencies(steps, order, parallel: true);
        Assert.Empty(parallel["c"]);
        var sequential = WorkflowSteps.EffectiveDependencies(steps, order, parallel: false);
        Assert.Equal(["a"], sequential["b"]);
        Assert.Equal(["b"], sequential["c"]);
        Assert.Empty(sequential["a"]);
    }

    [Theory]
    [InlineData("a", "x", "a", "dependencies.a")]   // itself
    [InlineData("a", "x", "zzz", "dependencies.a")] // unknown step
    [InlineData("a b", "x", null, "steps[0].id")]
    [InlineData("a", " ", null, "steps[0].description")]
    public void Bad_steps_name_the_parameter(string id, string description, string? dependsOn, string parameter)
    {
        var e = Assert.Throws<DomainException>(() => WorkflowSteps.Normalize([new WorkflowStep(id, description, dependsOn is null ? [] : [dependsOn])]));
        Assert.Equal(parameter, e.Parameter);
    }
}
