using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Queen;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Queen;

/// <summary>
/// The Queen's planner: it decomposes an objective into the deliverables it names, types each by work area,
/// orders them, and sizes a team for them. Fixed rules, no randomness and no clock: the same objective (and
/// limits) always gives the same plan. Every rule that fires adds one line "rule ← why" to the rationale; the
/// rule's prefix is given in brackets below.
/// <para>Reading the text:</para>
/// <list type="number">
/// <item>Structure [split:list, split:heading]: a line starting with "1." "1)" "(1)" "-" "*" "•" "+" or
/// "Step/Phase/Stage N:" is a list item; markers 1) 2) 3) in sequence inside one line are a numbered list too.
/// A markdown heading, the sentence before a list when it ends with ":" or names "the following"/"below", and an
/// item with indented items under it are headings, not tasks. A line starting in lower case continues the line
/// before it.</item>
/// <item>Sentences: split after . ! ? followed by a space and a capital or digit (not after e.g., i.e., etc.)
/// and at every ";", never inside brackets, quotes or backticks.</item>
/// <item>Labels [skip:context, split:heading]: "Context/Background/Note/Constraints …: text" is context; any
/// other "heading: text" where the text starts with a work verb drops the heading, and the clauses under a
/// heading (or a list intro) whose area is only a default take the heading's area.</item>
/// <item>Openers: leading connectors (then, next, afterwards, after that; finally, lastly; first, to start,
/// start by …) and polite or modal openers (please, also, we need to, you should, let's …) are removed and
/// feed the order rules; so are connectors ending a clause ("… first", "… afterwards", "… at the end").</item>
/// <item>Deliverables [skip:context, split:none]: a sentence is work when it starts with a work verb
/// (the lexicon in <c>WorkVerbs</c>, imperative form only, also "have/ask X verb"), is a list item, follows a
/// connector, or states a requirement (must, should, shall, need(s), require(d)); anything else is context and
/// gives no task. When no sentence is work, the whole objective is one task.</item>
/// <item>Clauses [split:list]: inside a sentence, "," "and" "&amp;" "as well as" split only where both sides
/// start with a work verb ("Compare Redis and Memcached" stays whole). A work verb followed by a noun it often
/// qualifies ("test coverage", "review comments") is read as a noun.</item>
/// <item>Shared object [split:verbs]: bare verbs take the object of the next clause in the sentence (else of
/// the previous clause): "Research, implement and test a parser" gives three tasks about "a parser".</item>
/// <item>Supporting tail [split:with]: "… with/including/plus X and Y" where every X, Y is a testing,
/// benchmark, documentation or review noun ("tests", "API docs", "a README") gives one task per noun ("Tests
/// for the …"); a tail of the main clause's own area stays in its text.</item>
/// <item>Pronouns [text:pronoun]: "it"/"them" right after a verb becomes the previous clause's object
/// ("implement a parser and test it" → "Test the parser").</item>
/// <item>Conditions: "Before/After/Once/When X, Y" whose X names no work keeps X in the text of Y's first
/// clause ("Before the audit deadline, rotate …").</item>
/// <item>References [order:after, order:before, merge:reference]: "Y after/once X", "After/Once/When X, Y",
/// "Y before X", "Before X, Y", where X names work: a gerund or verb ("implementing the parser"), a passive
/// ("the SDK is reviewed" → "Review the SDK"), a finished state ("CI is green", "the tests pass") or a
/// deliverable noun ("the security review"). X stands for the deliverables of its area that contain its words
/// (for a noun: that say the noun or start with its verb, "the migration" → "Migrate …"); when none does, a
/// verb or passive becomes a task of its own and a state or noun stays in Y's text.</item>
/// <item>Duplicates [merge:duplicate]: a deliverable with the same area and the same words as an earlier one
/// is merged into it.</item>
/// <item>Vague objectives [area:default]: a single deliverable without a work-area verb or keyword (only a
/// vague verb such as make/improve, or no verb) gets a research task first ("Research and scope: …").</item>
/// <item>Limit [merge:limit]: above <see cref="MaxPlannedTasks"/> deliverables, the area with the most merges
/// the neighbouring pair with the shortest joined text ("a; b") until the plan fits. Task text is bounded by
/// <see cref="MaxTaskDescriptionLength"/>.</item>
/// </list>
/// <para>Typing and ordering:</para>
/// <list type="number">
/// <item>Area [area:…]: the clause's leading work verb names research, analysis, design, implementation,
/// testing, optimization, review, documentation or coordination. After a generic verb (add, write, run,
/// update …) or without a verb: a compound ("design doc", "release notes", "code review"), else the first area
/// keyword heading a noun phrase, else any other keyword except those that mostly qualify a noun ("the reports
/// page", "the audit log"), else the generic verb's default (mostly implementation). Agent types: research →
/// researcher, analysis and design → analyst (there is no architect type), implementation → coder, testing →
/// tester, optimization → optimizer, review → reviewer, documentation → documenter, coordination →
/// coordinator.</item>
/// <item>Stated order [order:then, order:finally, order:first, order:steps, order:none]: the clauses after
/// then / and then / afterwards / after that / followed by / next wait for the clauses before; a sentence
/// opening with such a connector waits for the previous sentence; "finally/lastly" waits for everything
/// before; "first/to start" goes before everything after; numbered items run in order (and bullets under an
/// intro naming steps/order/sequence/phases, and "Step N:" lines) unless the intro says
/// requirements/features/goals/criteria/parallel/independent/any order.</item>
/// <item>Phase order [edge:phase, edge:level]: research and analysis → design → implementation → testing
/// and optimization → review → documentation, each task waiting for every task of the nearest earlier phase
/// present; coordination stays outside the phases. Phases are taken where the stated order leaves them:
/// follow-up work (testing, optimization, review, documentation) stated before earlier work counts at that
/// earlier phase ("write the tests first", "review the design before implementing it"), and any task counts at
/// least at the phase of what is stated before it ("implement it, then compare the results").</item>
/// <item>Conflicts [order:skip, edge:skip]: the stated order is applied first and wins; a stated edge that
/// would close a cycle with the order stated before it is skipped. The phase levels never contradict the
/// stated order, so phase edges cannot close a cycle (the check stays as a guard). The graph is then reduced
/// (an edge implied by a longer path is dropped) and listed in a topological order that keeps the text order
/// among equals [edge:order, edge:phase]; keys are "t1", "t2" … in that order.</item>
/// </list>
/// <para>Sizing the hive:</para>
/// <list type="number">
/// <item>Pipeline [pipeline]: any stated order makes the objective a pipeline.</item>
/// <item>Complexity [complexity:…] points = distinct work areas + length (≥ 15 words +1, ≥ 40 words +2) +
/// scale words (complex, distributed, enterprise …) +1 + pipeline +1; low ≤ 2, medium 3–4, high ≥ 5.</item>
/// <item>Agents [agents:extra, agents:coordinator]: one per task type in plan order; medium complexity adds
/// one agent, high two, to the lead type (most tasks, coder on ties), never more than that type has tasks;
/// five or more agents without a coordinator get one.</item>
/// <item>maxAgents [maxAgents:…, agents:trim, agents:fallback]: as given (1..100) or max(5, planned). A larger
/// team is trimmed keeping the coordinator (only if five or more agents remain), then one agent per task type in
/// plan order, then extras; a task whose type was trimmed goes to the closest type present.</item>
/// <item>Topology [topology:…] (unless given): pipeline → ring; ≤ 3 agents → star; coordinator or ≥ 4 areas
/// → hierarchical; ≥ 3 peers of one type → mesh; otherwise mesh.</item>
/// <item>Strategy [strategy:…]: high complexity → adaptive; ≥ 3 agent types → specialized; otherwise
/// balanced.</item>
/// <item>Priority [priority:…]: critical/urgent/asap/hotfix/outage/emergency anywhere → critical,
/// important/security/production/deadline/priority → high, else medium; review and documentation one level
/// lower. Task strategy: part of a stated order → sequential, a type with several agents → parallel, else
/// adaptive [tasks:…].</item>
/// </list>
/// </summary>
public static class ObjectivePlanner
{
    public const int MaxObjectiveLength = SwarmLimits.MaxObjectiveLength;
    public const int DefaultMaxAgents = SwarmLimits.DefaultMaxAgents;
    public const int MaxAgentsLimit = SwarmLimits.MaxAgents;

    /// <summary>At most this many tasks in one plan; longer objectives have deliverables merged.</summary>
    public const int MaxPlannedTasks = 24;

    /// <summary>The task description limit every planned task respects.</summary>
    public const int MaxTaskDescriptionLength = TaskLimits.MaxDescriptionLength;

    private static readonly IReadOnlySet<string> ScaleWords = Stems("complex", "large", "enterprise", "distributed", "scalable", "microservice", "microservices", "platform", "architecture", "multiple");
    private static readonly IReadOnlySet<string> CriticalWords = Stems("critical", "urgent", "asap", "hotfix", "outage", "emergency");
    private static readonly IReadOnlySet<string> HighWords = Stems("important", "security", "production", "deadline", "priority");

    /// <summary>Where a task goes when its own type was trimmed away: the closest types first.</summary>
    private static readonly Dictionary<AgentType, AgentType[]> Fallbacks = new()
    {
        [AgentType.Researcher] = [AgentType.Analyst, AgentType.Coder, AgentType.Reviewer, AgentType.Documenter, AgentType.Tester, AgentType.Optimizer],
        [AgentType.Analyst] = [AgentType.Researcher, AgentType.Optimizer, AgentType.Coder, AgentType.Reviewer, AgentType.Tester, AgentType.Documenter],
        [AgentType.Coder] = [AgentType.Optimizer, AgentType.Tester, AgentType.Reviewer, AgentType.Analyst, AgentType.Researcher, AgentType.Documenter],
        [AgentType.Tester] = [AgentType.Reviewer, AgentType.Coder, AgentType.Optimizer, AgentType.Analyst, AgentType.Researcher, AgentType.Documenter],
        [AgentType.Reviewer] = [AgentType.Tester, AgentType.Analyst, AgentType.Coder, AgentType.Researcher, AgentType.Documenter, AgentType.Optimizer],
        [AgentType.Optimizer] = [AgentType.Coder, AgentType.Analyst, AgentType.Tester, AgentType.Reviewer, AgentType.Researcher, AgentType.Documenter],
        [AgentType.Documenter] = [AgentType.Researcher, AgentType.Reviewer, AgentType.Analyst, AgentType.Coder, AgentType.Tester, AgentType.Optimizer],
        [AgentType.Coordinator] = [AgentType.Researcher, AgentType.Analyst, AgentType.Coder, AgentType.Reviewer, AgentType.Tester, AgentType.Documenter, AgentType.Optimizer],
    };

    public static SwarmPlan Plan(string objective, int? maxAgents = null, SwarmTopology? topology = null)
    {
        var text = Validate(objective, maxAgents, topology);
        var words = TextTokens.Words(text);
        var stems = words.Select(TextTokens.Stem).ToList();

        // 1. Deliverables and the order the text states.
        var reading = ObjectiveReader.Read(text, MaxPlannedTasks, MaxTaskDescriptionLength);
        var rationale = reading.Rationale.ToList();
        var deliverables = reading.Deliverables;

        // 2. The task graph: stated order, then phases; keys follow the plan order.
        var graph = TaskGraph.Build(deliverables.Select(d => d.Area.Area).ToList(), reading.Order);
        var position = new int[deliverables.Count];
        for (var p = 0; p < graph.Order.Count; p++)
        {
            position[graph.Order[p]] = p;
        }

        string Key(int index) => $"t{position[index] + 1}";
        string Keys(IEnumerable<int> indexes) => string.Join(", ", indexes.OrderBy(i => position[i]).Select(Key));

        foreach (var index in graph.Order)
        {
            var d = deliverables[index];
            rationale.Add($"area:{d.Area.Area.Name} ← {Key(index)} '{d.Short()}': {d.Area.Evidence}");
        }

        foreach (var index in graph.Order.Where(i => graph.Levels[i] != deliverables[i].Area.Area.Phase))
        {
            var area = deliverables[index].Area.Area;
            rationale.Add($"edge:level ← {Key(index)} ({area.Name}) counts at the {PhaseName(graph.Levels[index]!.Value)} phase: the objective orders it there");
        }

        foreach (var skipped in graph.SkippedStated)
        {
            rationale.Add($"order:skip ← {Key(skipped.Before)} before {Key(skipped.After)} ({skipped.Rule}) would close a cycle with the order stated earlier");
        }

        foreach (var group in graph.SkippedPhase.GroupBy(s => s.After).OrderBy(g => position[g.Key]))
        {
            var after = deliverables[group.Key].Area.Area.Name;
            var before = deliverables[group.First().Before].Area.Area.Name;
            rationale.Add($"edge:skip ← phase order would make {Key(group.Key)} ({after}) wait for {Keys(group.Select(s => s.Before))} ({before}); the objective orders it first");
        }

        foreach (var group in graph.Edges.GroupBy(e => (e.After, Stated: e.Rule != "phase")).OrderBy(g => position[g.Key.After]).ThenBy(g => g.Key.Stated))
        {
            var after = group.Key.After;
            rationale.Add(group.Key.Stated
                ? $"edge:order ← {Key(after)} after {Keys(group.Select(e => e.Before))} ({string.Join(", ", group.Select(e => e.Rule).Distinct())})"
                : $"edge:phase ← {Key(after)} ({deliverables[after].Area.Area.Name}) after {Keys(group.Select(e => e.Before))} ({string.Join(", ", group.Select(e => deliverables[e.Before].Area.Area.Name).Distinct())})");
        }

        var sequential = reading.Order.Except(graph.SkippedStated).SelectMany(e => new[] { e.Before, e.After }).ToHashSet();
        var pipeline = sequential.Count > 0;
        if (pipeline)
        {
            rationale.Add($"pipeline ← the objective states an order ({string.Join(", ", reading.Order.Select(e => e.Rule).Distinct())}): work proceeds in stages");
        }

        // 3. Complexity.
        var areaNames = deliverables.Select(d => d.Area.Area.Name).Distinct().ToList();
        var lengthPoints = words.Count >= 40 ? 2 : words.Count >= 15 ? 1 : 0;
        var scaleMatches = Matches(words, stems, ScaleWords);
        var points = areaNames.Count + lengthPoints + (scaleMatches.Count > 0 ? 1 : 0) + (pipeline ? 1 : 0);
        var complexity = points <= 2 ? "low" : points <= 4 ? "medium" : "high";
        rationale.Add($"complexity:{complexity} ← {points} points = {areaNames.Count} work area(s) + {lengthPoints} for {words.Count} words"
                      + (scaleMatches.Count > 0 ? $" + 1 for {Quote(scaleMatches)}" : "")
                      + (pipeline ? " + 1 for pipeline" : ""));

        // 4. Agents: one per task type, extras on the lead type, a coordinator for big teams.
        var taskTypes = graph.Order.Select(i => deliverables[i].Area.Area.Type).ToList();
        var primaries = taskTypes.Distinct().ToList();
        var counts = taskTypes.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var lead = primaries.OrderByDescending(t => counts[t]).ThenBy(t => t == AgentType.Coder ? 0 : 1).First();
        var nominalExtras = complexity switch { "medium" => 1, "high" => 2, _ => 0 };
        var extraCount = Math.Min(nominalExtras, counts[lead] - 1);
        if (nominalExtras > 0)
        {
            rationale.Add(extraCount == nominalExtras
                ? $"agents:extra ← {complexity} complexity adds {extraCount} {Lower(lead)} agent(s) for the lead type's {counts[lead]} tasks"
                : $"agents:extra ← {complexity} complexity would add {nominalExtras} {Lower(lead)} agent(s); {counts[lead]} {Lower(lead)} task(s) need only {extraCount}");
        }

        var extras = Enumerable.Repeat(lead, extraCount).ToList();
        var coordinator = new List<AgentType>();
        if (primaries.Count + extras.Count >= 5 && !primaries.Contains(AgentType.Coordinator))
        {
            coordinator.Add(AgentType.Coordinator);
            rationale.Add($"agents:coordinator ← {primaries.Count + extras.Count} agents need a coordinator");
        }

        var planned = coordinator.Concat(primaries).Concat(extras).ToList();

        // 5. maxAgents, trimming and fallbacks.
        int limit;
        if (maxAgents is { } requested)
        {
            limit = requested;
            rationale.Add($"maxAgents:{limit} ← given by caller");
        }
        else
        {
            limit = Math.Min(MaxAgentsLimit, Math.Max(DefaultMaxAgents, planned.Count));
            rationale.Add($"maxAgents:{limit} ← default max({DefaultMaxAgents}, {planned.Count} planned agents)");
        }

        if (planned.Count > limit)
        {
            var dropCoordinator = coordinator.Count > 0 && limit < 5;
            rationale.Add($"agents:trim ← {planned.Count} planned agents exceed maxAgents {limit}; kept "
                          + (coordinator.Count == 0 ? "" : dropCoordinator ? "no coordinator (fewer than 5 agents), " : "the coordinator, ")
                          + "one per task type in plan order, then extras");
            planned = (dropCoordinator ? planned.Skip(1) : planned).Take(limit).ToList();
        }

        var assigned = new Dictionary<int, AgentType>();
        foreach (var index in graph.Order)
        {
            var own = deliverables[index].Area.Area.Type;
            assigned[index] = planned.Contains(own) ? own : Fallbacks[own].Where(planned.Contains).DefaultIfEmpty(planned[0]).First();
        }

        foreach (var group in graph.Order.Where(i => assigned[i] != deliverables[i].Area.Area.Type).GroupBy(i => (deliverables[i].Area.Area.Type, assigned[i])))
        {
            rationale.Add($"agents:fallback ← no {Lower(group.Key.Item1)} within maxAgents {limit}: {Keys(group)} go(es) to {Lower(group.Key.Item2)}");
        }

        var agents = Name(planned);
        rationale.Add($"agents:{agents.Count} ← {string.Join(", ", agents.Select(a => a.Name))}");

        // 6. Topology.
        SwarmTopology chosenTopology;
        var typeCounts = planned.GroupBy(t => t).Select(g => g.Count()).DefaultIfEmpty(0).Max();
        if (topology is { } given)
        {
            chosenTopology = given;
            rationale.Add($"topology:{Lower(given)} ← given by caller");
        }
        else if (pipeline)
        {
            chosenTopology = SwarmTopology.Ring;
            rationale.Add("topology:ring ← pipeline objective: each stage hands its work to the next");
        }
        else if (planned.Count <= 3)
        {
            chosenTopology = SwarmTopology.Star;
            rationale.Add($"topology:star ← {planned.Count} agent(s): one hub suffices");
        }
        else if (planned.Contains(AgentType.Coordinator) || areaNames.Count >= 4)
        {
            chosenTopology = SwarmTopology.Hierarchical;
            rationale.Add(planned.Contains(AgentType.Coordinator)
                ? "topology:hierarchical ← a coordinator leads the team"
                : $"topology:hierarchical ← {areaNames.Count} work areas need layered coordination");
        }
        else if (typeCounts >= 3)
        {
            chosenTopology = SwarmTopology.Mesh;
            rationale.Add($"topology:mesh ← {typeCounts} peers of the same type work side by side");
        }
        else
        {
            chosenTopology = SwarmTopology.Mesh;
            rationale.Add("topology:mesh ← default: peers collaborate directly");
        }

        // 7. Strategy.
        DistributionStrategy strategy;
        var distinctTypes = planned.Distinct().Count();
        if (complexity == "high")
        {
            strategy = DistributionStrategy.Adaptive;
            rationale.Add("strategy:adaptive ← high complexity: routing adapts as outcomes come in");
        }
        else if (distinctTypes >= 3)
        {
            strategy = DistributionStrategy.Specialized;
            rationale.Add($"strategy:specialized ← {distinctTypes} agent types: route each task to its specialist");
        }
        else
        {
            strategy = DistributionStrategy.Balanced;
            rationale.Add($"strategy:balanced ← {distinctTypes} agent type(s): spread the load");
        }

        // 8. Tasks in plan order.
        var basePriority = Matches(words, stems, CriticalWords) is { Count: > 0 } critical
            ? (TaskPriority.Critical, $"{Quote(critical)} → critical")
            : Matches(words, stems, HighWords) is { Count: > 0 } high
                ? (TaskPriority.High, $"{Quote(high)} → high")
                : (TaskPriority.Medium, "no urgency words → medium");
        rationale.Add($"priority:{Lower(basePriority.Item1)} ← {basePriority.Item2}; review and documentation one level lower");

        var tasks = new List<PlannedTask>();
        foreach (var index in graph.Order)
        {
            var d = deliverables[index];
            var type = assigned[index];
            var priority = d.Area.Area == WorkAreas.Review || d.Area.Area == WorkAreas.Documentation ? OneLower(basePriority.Item1) : basePriority.Item1;
            var taskStrategy = sequential.Contains(index)
                ? ExecutionStrategy.Sequential
                : planned.Count(t => t == type) >= 2 ? ExecutionStrategy.Parallel : ExecutionStrategy.Adaptive;
            var dependsOn = graph.Edges.Where(e => e.After == index).Select(e => e.Before).OrderBy(i => position[i]).Select(Key).ToList();
            tasks.Add(new PlannedTask(d.Text, priority, taskStrategy, type, Key(index), d.Area.Area.Name, dependsOn));
        }

        rationale.Add($"tasks:{tasks.Count} ← one per deliverable, {graph.Edges.Count} dependency edge(s)");
        return new SwarmPlan(text, chosenTopology, strategy, limit, complexity, agents, tasks, rationale);
    }

    private static string PhaseName(int phase) =>
        string.Join("/", WorkAreas.All.Where(a => a.Phase == phase).Select(a => a.Name));

    private static TaskPriority OneLower(TaskPriority priority) => priority > TaskPriority.Low ? priority - 1 : priority;

    private static string Validate(string objective, int? maxAgents, SwarmTopology? topology)
    {
        if (string.IsNullOrWhiteSpace(objective))
        {
            throw DomainException.Invalid("objective", "must not be empty");
        }

        var text = objective.Trim();
        if (text.Length > MaxObjectiveLength)
        {
            throw DomainException.Invalid("objective", $"must be at most {MaxObjectiveLength} characters (got {text.Length})");
        }

        if (maxAgents is < 1 or > MaxAgentsLimit)
        {
            throw DomainException.Invalid("maxAgents", $"must be between 1 and {MaxAgentsLimit} (got {maxAgents})");
        }

        if (topology is { } t && !Enum.IsDefined(t))
        {
            throw DomainException.Invalid("topology", $"unknown topology {(int)t}");
        }

        return text;
    }

    private static List<PlannedAgent> Name(List<AgentType> types)
    {
        var seen = new Dictionary<AgentType, int>();
        var agents = new List<PlannedAgent>();
        foreach (var type in types)
        {
            seen[type] = seen.GetValueOrDefault(type) + 1;
            agents.Add(new PlannedAgent(type, $"{Lower(type)}-{seen[type]}", AgentProfiles.DefaultCapabilities(type), AgentProfiles.DefaultPattern(type)));
        }

        return agents;
    }

    /// <summary>The original words whose stems are in the set, distinct, in order of appearance.</summary>
    private static List<string> Matches(List<string> words, List<string> stems, IReadOnlySet<string> keywords) =>
        words.Where((_, i) => keywords.Contains(stems[i])).Distinct(StringComparer.Ordinal).ToList();

    private static string Quote(IEnumerable<string> words) => string.Join(", ", words.Select(w => $"'{w}'"));

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static IReadOnlySet<string> Stems(params string[] words) => TextTokens.StemSet(words);
}
