namespace SwarmCluster.Grains.Queen;

/// <summary>
/// A work verb: the area it names (null for generic verbs such as add/write/run, whose object decides),
/// the area a generic verb falls back to, whether that fallback is too weak to count as evidence
/// (make, do, improve …), and whether the word is also a common noun ("test plan", "review comments").
/// </summary>
internal sealed record WorkVerb(string Base, WorkArea? Area, WorkArea Default, bool Weak, bool Noun);

/// <summary>
/// The planner's verb lexicon. Only imperative (base) forms start a clause, so "a parser that supports X" is
/// not read as a second deliverable; gerunds and participles are recognised where grammar puts them
/// ("after implementing X", "once X is tested").
/// </summary>
internal static class WorkVerbs
{
    private static readonly Dictionary<string, WorkVerb> Bases = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, WorkVerb> Phrasal = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, string> Gerunds = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, string> Participles = new(StringComparer.Ordinal);

    /// <summary>Words that, right after a noun-like verb, show it is a noun: "test coverage", "review comments".</summary>
    private static readonly HashSet<string> NounFollowers = new(StringComparer.Ordinal)
    {
        "coverage", "suite", "suites", "case", "cases", "plan", "plans", "data", "doc", "docs", "document",
        "documents", "results", "result", "report", "reports", "comment", "comments", "note", "notes", "process",
        "environment", "environments", "pipeline", "pipelines", "framework", "harness", "fixture", "fixtures",
        "server", "servers", "runner", "runners", "matrix", "page", "pages", "script", "scripts", "artifact",
        "artifacts", "log", "logs", "output", "outputs", "step", "steps", "phase", "team", "system", "time",
        "times", "version", "versions", "file", "files", "folder", "config", "cycle", "job", "jobs", "target",
        "targets", "flag", "flags", "window", "branch", "number", "numbers", "budget", "item", "items", "backlog",
        "board", "meeting", "session", "request", "requests", "feedback", "checklist", "template", "templates",
        "ticket", "tickets", "status", "strategy", "score", "scores", "is", "are", "was", "were", "has", "have",
        "should", "must", "will", "can",
    };

    static WorkVerbs()
    {
        Specific(WorkAreas.Research, "research", "investigate", "explore", "survey", "study", "compare", "evaluate",
            "discover", "identify", "understand", "learn", "read", "scout", "interview", "choose", "pick", "select", "find", "reproduce");
        Specific(WorkAreas.Analysis, "analyze", "analyse", "measure", "quantify", "aggregate", "correlate",
            "forecast", "estimate", "visualize", "visualise", "chart", "plot", "calculate", "compute", "mine", "profile");
        Specific(WorkAreas.Design, "design", "redesign", "architect", "sketch", "specify", "model", "define",
            "propose", "wireframe", "prototype", "outline");
        Specific(WorkAreas.Implementation, "implement", "build", "develop", "code", "program", "fix", "refactor",
            "integrate", "migrate", "port", "deploy", "install", "configure", "wire", "hook", "connect", "extend",
            "replace", "remove", "delete", "rename", "upgrade", "expose", "ship", "rewrite", "patch", "debug",
            "repair", "enable", "disable", "automate", "containerize", "package", "release", "support", "handle",
            "convert", "split", "merge", "introduce", "move", "bump", "localize", "scaffold", "train", "harden",
            "secure", "provision", "persist", "rebuild", "reimplement", "resolve", "solve", "adopt", "swap",
            "restore", "wrap", "stub", "embed", "encrypt", "index", "shard", "rotate", "revoke");
        Specific(WorkAreas.Testing, "test", "verify", "validate", "check", "fuzz", "retest");
        Specific(WorkAreas.Review, "review", "audit", "inspect", "critique", "assess", "vet", "approve", "proofread");
        Specific(WorkAreas.Optimization, "optimize", "optimise", "tune", "benchmark", "accelerate",
            "parallelize", "parallelise", "scale", "cache");
        Specific(WorkAreas.Documentation, "document", "describe", "explain", "annotate", "summarize", "summarise", "translate");
        Specific(WorkAreas.Coordination, "coordinate", "plan", "organize", "organise", "schedule", "assign",
            "manage", "track", "prioritize", "prioritise", "triage", "delegate", "align", "sync", "orchestrate",
            "lead", "communicate", "notify", "announce", "facilitate");

        Generic(WorkAreas.Implementation, weak: false, "add", "create", "write", "update", "prepare", "produce",
            "run", "set", "put", "provide", "ensure", "reduce", "increase", "lower", "minimize", "maximize",
            "modify", "adjust", "finish", "complete", "deliver", "start", "keep", "allow", "include", "use",
            "switch", "turn", "publish", "generate", "record", "send", "share", "clean", "fill", "polish",
            "finalize", "expand", "shrink", "cut", "limit", "return", "show", "display", "let");
        Generic(WorkAreas.Implementation, weak: true, "make", "do", "get", "improve", "change", "rework", "work");
        Generic(WorkAreas.Documentation, weak: false, "draft", "present");
        Generic(WorkAreas.Research, weak: false, "collect", "gather", "list");

        PhrasalVerb("look into", WorkAreas.Research);
        PhrasalVerb("look at", WorkAreas.Research);
        PhrasalVerb("find out", WorkAreas.Research);
        PhrasalVerb("figure out", WorkAreas.Research);
        PhrasalVerb("dig into", WorkAreas.Research);
        PhrasalVerb("read up", WorkAreas.Research);
        PhrasalVerb("speed up", WorkAreas.Optimization);
        PhrasalVerb("write up", WorkAreas.Documentation);
        PhrasalVerb("sum up", WorkAreas.Documentation);
        PhrasalVerb("write down", WorkAreas.Documentation);
        PhrasalVerb("sign off", WorkAreas.Review);
        PhrasalVerb("follow up", WorkAreas.Coordination);
        PhrasalVerb("hand off", WorkAreas.Coordination);
        PhrasalVerb("hand over", WorkAreas.Coordination);
        PhrasalVerb("kick off", WorkAreas.Coordination);
        PhrasalVerb("mock up", WorkAreas.Design);
        PhrasalVerb("roll out", WorkAreas.Implementation);
        PhrasalVerb("roll back", WorkAreas.Implementation);
        PhrasalVerb("clean up", WorkAreas.Implementation);
        PhrasalVerb("back up", WorkAreas.Implementation);
        PhrasalVerb("set up", null);

        Irregular("build", "built", "building");
        Irregular("write", "written", "wrote", "writing");
        Irregular("rewrite", "rewritten", "rewrote", "rewriting");
        Irregular("run", "ran", "running");
        Irregular("set", "setting");
        Irregular("put", "putting");
        Irregular("cut", "cutting");
        Irregular("get", "got", "gotten", "getting");
        Irregular("find", "found", "finding");
        Irregular("do", "done", "did", "doing");
        Irregular("make", "made", "making");
        Irregular("lead", "led", "leading");
        Irregular("read", "reading");
        Irregular("learn", "learnt");
        Irregular("plan", "planned", "planning");
        Irregular("ship", "shipped", "shipping");
        Irregular("split", "splitting");
        Irregular("wrap", "wrapped", "wrapping");
        Irregular("stub", "stubbed", "stubbing");
        Irregular("plot", "plotted", "plotting");
        Irregular("sum", "summed", "summing");
    }

    /// <summary>
    /// The imperative work verb starting at <paramref name="at"/> (phrasal verbs first), with the number of
    /// words it spans; null when the word is not a work verb or is used as a noun ("test coverage").
    /// </summary>
    public static (WorkVerb Verb, int Words)? Imperative(IReadOnlyList<string> words, int at)
    {
        if (at >= words.Count)
        {
            return null;
        }

        if (at + 1 < words.Count && Phrasal.TryGetValue(words[at] + " " + words[at + 1], out var phrasal))
        {
            return (phrasal, 2);
        }

        if (!Bases.TryGetValue(words[at], out var verb))
        {
            // "Have security review the changes", "ask QA to verify it": the work verb after the person.
            if (words[at] is "have" or "ask" or "get")
            {
                for (var i = at + 2; i <= at + 4 && i < words.Count; i++)
                {
                    if (Bases.TryGetValue(words[i], out var delegated) && delegated.Area is not null && words[i - 1] is not ("the" or "a" or "an"))
                    {
                        return (delegated, i - at + 1);
                    }
                }
            }

            return null;
        }

        if (verb.Noun && at + 1 < words.Count && NounFollowers.Contains(words[at + 1]))
        {
            return null;
        }

        return (verb, 1);
    }

    /// <summary>The base form of a work verb's -ing form ("implementing" → "implement"), else null.</summary>
    public static string? BaseOfGerund(string word) => Gerunds.GetValueOrDefault(word);

    /// <summary>The base form of a work verb's past participle ("tested" → "test", "written" → "write"), else null.</summary>
    public static string? BaseOfParticiple(string word) => Participles.GetValueOrDefault(word);

    public static bool IsBase(string word) => Bases.ContainsKey(word);

    private static readonly HashSet<string> NounLike = new(StringComparer.Ordinal)
    {
        "test", "review", "design", "document", "benchmark", "plan", "profile", "model", "check", "draft",
        "outline", "survey", "study", "track", "schedule", "support", "release", "patch", "package", "record",
        "audit", "sketch", "research", "measure", "cache", "debug", "update", "change", "build", "run", "deploy",
        "fix", "chart", "plot", "prototype", "estimate", "forecast", "merge", "split", "scale", "train", "move",
        "code", "program", "index", "set", "cut", "present", "work", "lead", "return", "display", "show", "limit",
        "start", "use", "switch", "turn", "share", "fill", "wrap", "stub", "list",
    };

    private static void Specific(WorkArea area, params string[] verbs)
    {
        foreach (var verb in verbs)
        {
            Register(new WorkVerb(verb, area, area, false, NounLike.Contains(verb)));
        }
    }

    private static void Generic(WorkArea fallback, bool weak, params string[] verbs)
    {
        foreach (var verb in verbs)
        {
            Register(new WorkVerb(verb, null, fallback, weak, NounLike.Contains(verb)));
        }
    }

    private static void PhrasalVerb(string phrase, WorkArea? area) =>
        Phrasal[phrase] = new WorkVerb(phrase, area, area ?? WorkAreas.Implementation, false, false);

    private static void Register(WorkVerb verb)
    {
        var word = verb.Base;
        Bases[word] = verb;
        var stem = word.EndsWith('e') && !word.EndsWith("ee", StringComparison.Ordinal) ? word[..^1] : word;
        Gerunds.TryAdd(stem + "ing", word);
        var participle = word.EndsWith('e') ? word + "d"
            : word.Length > 2 && word.EndsWith('y') && !"aeiou".Contains(word[^2]) ? word[..^1] + "ied"
            : word + "ed";
        Participles.TryAdd(participle, word);
    }

    /// <summary>Irregular or consonant-doubling forms: "-ing" forms are gerunds, the rest participles.</summary>
    private static void Irregular(string word, params string[] forms)
    {
        foreach (var form in forms)
        {
            if (form.EndsWith("ing", StringComparison.Ordinal))
            {
                Gerunds[form] = word;
            }
            else
            {
                Participles[form] = word;
            }
        }

        if (word is "set" or "put" or "cut" or "read" or "split")
        {
            Participles[word] = word;
        }
    }
}
