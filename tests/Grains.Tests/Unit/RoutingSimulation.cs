using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Grains.Learning;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains.Tests.Unit;

/// <summary>
/// A swarm whose agents look identical to the router (same type, same capabilities) but are secretly good at one
/// family of tasks each (success 0.9 there, 0.2 elsewhere). The three families differ only in their words: a task
/// is four words of its family's eight, three of twenty words every family uses, and a ticket number, e.g.
/// "refund ledger improve tax team receipt report ticket 4821". Tasks are routed by <see cref="TaskRouter"/> with
/// every agent idle; outcomes are drawn from the hidden skills with a seeded generator, credited to the routed
/// agent and recorded in a real <see cref="RoutingNetwork"/> (real libfann), which trains whenever a training is
/// due (the job runs synchronously here; a grain runs it off its scheduler).
/// </summary>
internal sealed class RoutingSimulation : IDisposable
{
    public const int Families = 3;
    public const double SkilledSuccess = 0.9;
    public const double UnskilledSuccess = 0.2;
    private const int FamilyWordsPerTask = 4;
    private const int SharedWordsPerTask = 3;

    private static readonly string[][] FamilyWords =
    [
        ["invoice", "refund", "payment", "ledger", "tax", "receipt", "subscription", "charge"],
        ["index", "query", "ranking", "relevance", "tokenizer", "synonym", "facet", "crawler"],
        ["android", "ios", "gesture", "push", "notification", "offline", "screen", "tablet"],
    ];

    private static readonly string[] SharedWords =
    [
        "update", "module", "service", "handle", "improve", "support", "customer", "release", "issue", "flow", "check", "broken",
        "slow", "team", "legacy", "config", "error", "request", "report", "cleanup",
    ];

    private readonly Random _random;
    private readonly List<Agent> _agents = [];
    private readonly string _swarmId;
    private int _taskCounter;

    public RoutingSimulation(int seed, int agents = 6, int outputs = 8, double exploration = TaskRouter.ExplorationConstant)
    {
        _random = new Random(seed);
        _swarmId = $"swarm-sim-{seed}";
        Exploration = exploration;
        Network = new SwarmNetworkState();
        Outcomes = new SwarmOutcomeState();
        Routing = RoutingNetwork.Open(outputs, RoutingNetwork.SeedFor(_swarmId), Network, Outcomes);

        // Two agents per family, in a seeded order so skill never follows the slot order.
        var families = Enumerable.Range(0, agents).Select(i => i % Families).OrderBy(_ => _random.Next()).ToList();
        foreach (var family in families)
        {
            AddAgent(family, SkilledSuccess);
        }
    }

    public double Exploration { get; }

    public SwarmNetworkState Network { get; }

    public SwarmOutcomeState Outcomes { get; }

    public RoutingNetwork Routing { get; }

    public IReadOnlyList<Agent> Agents => _agents;

    public List<RoutingTrainingEntry> Trainings { get; } = [];

    /// <summary>Every routed task in order: its family, the agent it went to and whether it succeeded.</summary>
    public List<(int Family, Agent Agent, bool Success)> Log { get; } = [];

    /// <summary>An agent good at one family (success <paramref name="skill"/>), <see cref="UnskilledSuccess"/> elsewhere.</summary>
    public Agent AddAgent(int family, double skill)
    {
        var agent = new Agent(new RoutingCandidate($"agent-sim-{_agents.Count}", _agents.Count, AgentType.Coder, ["general"], 0), family, skill);
        _agents.Add(agent);
        return agent;
    }

    public (int Family, TaskText Task) NewTask(int? family = null)
    {
        var (f, text) = NewTaskText(_random, family);
        return (f, new TaskText(text));
    }

    /// <summary>A task description of the given (or a random) family, drawn from <paramref name="random"/>.</summary>
    public static (int Family, string Text) NewTaskText(Random random, int? family = null)
    {
        var f = family ?? random.Next(Families);
        var words = Enumerable.Range(0, FamilyWordsPerTask).Select(_ => Pick(random, FamilyWords[f])).ToList();
        for (var i = 0; i < SharedWordsPerTask; i++)
        {
            words.Insert(random.Next(words.Count + 1), Pick(random, SharedWords));
        }

        return (f, $"{string.Join(' ', words)} ticket {random.Next(1000, 10000)}");
    }

    /// <summary>Routes the task with every agent idle and returns the chosen agent.</summary>
    public Agent Route(TaskText task)
    {
        var candidates = _agents.Select(a => a.Candidate with { FinishedTasks = Routing.FinishedTasks(a.Candidate.Slot) }).ToList();
        var (_, chosen) = TaskRouter.Route(task, DistributionStrategy.Adaptive, candidates, Routing.RoutingScores(task), 1, exploration: Exploration);
        return _agents.Single(a => a.Candidate.AgentId == chosen.Single());
    }

    /// <summary>Routes <paramref name="count"/> new tasks, draws and records their outcomes, trains when due.</summary>
    public void Run(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var (family, task) = NewTask();
            var agent = Route(task);
            var success = _random.NextDouble() < agent.SuccessRate(family);
            var taskId = $"task-sim-{_swarmId}-{_taskCounter++}";
            var recorded = Routing.Record(new RoutingOutcome(taskId, task, agent.Candidate.Slot, success, null, DateTimeOffset.UnixEpoch.AddMinutes(_taskCounter)));
            Log.Add((family, agent, success));
            if (recorded.TrainingDue)
            {
                Train(TrainingTrigger.Automatic);
            }
        }
    }

    public RoutingTrainingEntry Train(TrainingTrigger trigger, int? epochs = null)
    {
        using var job = Routing.CreateTrainingJob(trigger, epochs);
        var result = job.Run();
        var entry = Routing.Apply(result) ?? throw new InvalidOperationException("the training result was stale");
        Trainings.Add(entry);
        return entry;
    }

    /// <summary>Share of the routed tasks from <paramref name="from"/> on that went to an agent skilled at their family.</summary>
    public double SkilledShare(int from) =>
        Log.Skip(from).Count(l => l.Agent.Family == l.Family) / (double)(Log.Count - from);

    public void Dispose() => Routing.Dispose();

    private static string Pick(Random random, string[] words) => words[random.Next(words.Length)];

    public sealed record Agent(RoutingCandidate Candidate, int Family, double Skill)
    {
        public int Slot => Candidate.Slot;

        public double SuccessRate(int family) => family == Family ? Skill : UnskilledSuccess;
    }
}
