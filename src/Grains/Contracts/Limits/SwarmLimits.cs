namespace SwarmCluster.Contracts;

/// <summary>Limits of swarms, agents and their networks. The gateway's published schemas use these same values.</summary>
public static class SwarmLimits
{
    public const int MaxAgents = 100;
    public const int DefaultMaxAgents = 5;
    public const int MaxNameLength = 100;
    public const int MaxCapabilities = 32;
    public const int MaxCapabilityLength = 64;
    public const int MaxObjectiveLength = 4000;

    /// <summary>Inputs per neural_process batch.</summary>
    public const int MaxBatch = 1024;
    public const int MaxTrainingSamples = 10_000;
    public const int MaxEpochs = 10_000;

    /// <summary>A swarm's routing network trains by itself after this many new task outcomes unless told otherwise.</summary>
    public const int DefaultTrainEvery = 10;

    /// <summary>The largest trainEvery a swarm accepts (0 turns automatic training off).</summary>
    public const int MaxTrainEvery = 10_000;

    /// <summary>
    /// samples × epochs per training call (~20 µs each with 100 outputs), so one training stays well inside a grain
    /// call's 30 s timeout.
    /// </summary>
    public const long MaxTrainingWork = 500_000;

    /// <summary>Supervision actions kept per swarm (the total is counted beyond that).</summary>
    public const int MaxActionLog = 500;

    /// <summary>
    /// Swarm ids swarm_status lists (the newest; the total is counted beyond that): the whole list of a tenant at its
    /// quota made each answer about 50 KB.
    /// </summary>
    public const int StatusSwarmIds = 100;
}

/// <summary>Limits of tasks, their graph and their leases.</summary>
public static class TaskLimits
{
    public const int MaxDescriptionLength = 4000;
    public const int MaxMessageLength = 1000;
    public const int MaxOutputLength = 64 * 1024;
    public const int MaxProgressHistory = 500;
    public const int MaxEvents = 200;

    /// <summary>Agents one task may be assigned to at once by task_orchestrate.</summary>
    public const int MaxAgentsPerTask = 10;

    /// <summary>Agents per task when the task does not say: parallel work gets up to this many.</summary>
    public const int DefaultParallelAgents = 3;

    public const int MaxDependencies = 64;

    /// <summary>Tasks one swarm may hold open (not completed, failed or cancelled) at once.</summary>
    public const int MaxOpenTasks = 10_000;

    /// <summary>Tasks one call may create (a Queen's plan, a workflow).</summary>
    public const int MaxBatchTasks = 200;

    public const int MinLeaseSeconds = 1;
    public const int DefaultLeaseSeconds = 300;
    public const int MaxLeaseSeconds = 86_400;

    /// <summary>Claims a task gets before an expired lease fails it.</summary>
    public const int DefaultMaxAttempts = 3;
    public const int MaxAttempts = 20;

    /// <summary>Tasks listed by one task_status call.</summary>
    public const int MaxListedTasks = 500;

    public const int MaxRequestIdLength = 128;
    public const int MaxTaskKeyLength = 64;
}
