using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;

namespace SwarmCluster.Grains.Daa;

/// <summary>
/// daa_agent_adapt's rule, deterministic: the agent's performance estimate (starting at 0.5) moves toward each
/// score by its learning rate, estimate += learningRate × (score − estimate); a score below
/// <see cref="DaaLimits.LowScore"/> extends the low-score streak, any other resets it; a streak of
/// <see cref="DaaLimits.LowScoreStreak"/> switches the cognitive pattern to the next one in the enum order
/// (convergent → divergent → lateral → systems → critical → adaptive → convergent) and resets the streak.
/// </summary>
public static class AdaptationRule
{
    public const double InitialEstimate = 0.5;

    public sealed record Step(bool Adapted, double? Estimate, int Streak, CognitivePattern Pattern, string Reason);

    public static Step Apply(double? estimate, int streak, double learningRate, double? score, CognitivePattern pattern, bool learningEnabled)
    {
        if (!learningEnabled)
        {
            return new Step(false, estimate, streak, pattern, "feedback recorded; learning is off (daa_init enableLearning: false), so nothing was adapted");
        }

        if (score is not { } s)
        {
            return new Step(false, estimate, streak, pattern, "feedback recorded; no performanceScore, so nothing was adapted");
        }

        var before = estimate ?? InitialEstimate;
        var after = before + learningRate * (s - before);
        var low = s < DaaLimits.LowScore;
        var newStreak = low ? streak + 1 : 0;
        var reason = $"performance estimate {before:0.###} → {after:0.###} (learning rate {learningRate:0.###} toward score {s:0.###})";
        if (newStreak >= DaaLimits.LowScoreStreak)
        {
            var next = Next(pattern);
            return new Step(true, after, 0, next,
                reason + $"; {newStreak} scores in a row below {DaaLimits.LowScore:0.##} under {Name(pattern)}: cognitive pattern switched to {Name(next)}");
        }

        reason += low
            ? $"; low score {newStreak} of {DaaLimits.LowScoreStreak} before the pattern switches"
            : "; low-score streak reset";
        return new Step(true, after, newStreak, pattern, reason);
    }

    public static CognitivePattern Next(CognitivePattern pattern)
    {
        var all = Enum.GetValues<CognitivePattern>();
        return all[(Array.IndexOf(all, pattern) + 1) % all.Length];
    }

    private static string Name(CognitivePattern pattern) => pattern.ToString().ToLowerInvariant();
}
