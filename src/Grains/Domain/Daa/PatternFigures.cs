using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Daa;

namespace SwarmCluster.Grains.Daa;

/// <summary>Which pattern an agent had at a moment, from its recorded pattern changes.</summary>
internal sealed class PatternTimeline(IReadOnlyList<DaaPatternChange>? changes, CognitivePattern current)
{
    public const string Method =
        "each finished task and each feedback score counts for the pattern the agent had when it happened (from the " +
        "recorded pattern changes; agents without DAA history count with their current pattern); 'agents' is how many use it now";

    public CognitivePattern At(DateTimeOffset at)
    {
        if (changes is null || changes.Count == 0)
        {
            return current;
        }

        var pattern = changes[0].To;
        foreach (var change in changes)
        {
            if (change.At <= at)
            {
                pattern = change.To;
            }
        }

        return pattern;
    }
}

internal sealed class PatternTally
{
    public int Agents;
    private int _completed;
    private int _failed;
    private int _qualities;
    private double _qualitySum;
    private int _scores;
    private double _scoreSum;

    public void Add(AgentHistoryEntry outcome)
    {
        if (outcome.Success)
        {
            _completed++;
        }
        else
        {
            _failed++;
        }

        if (outcome.Quality is { } q)
        {
            _qualities++;
            _qualitySum += q;
        }
    }

    public void AddScore(double score)
    {
        _scores++;
        _scoreSum += score;
    }

    public PatternPerformance View(CognitivePattern pattern) => new(pattern, Agents, _completed, _failed,
        _completed + _failed > 0 ? (double)_completed / (_completed + _failed) : null,
        _qualities > 0 ? _qualitySum / _qualities : null, _scores, _scores > 0 ? _scoreSum / _scores : null);
}
