namespace SwarmCluster.Contracts.Tasks;

/// <summary>One task ("task-…"): what was asked, who has it, progress and the results its workers recorded.</summary>
[Alias("swarm.ITaskGrain")]
public interface ITaskGrain : IGrainWithStringKey
{
    [Alias("Create")] Task<TaskInfo> Create(string swarmId, TaskSpec spec, RoutingDecision routing, IReadOnlyList<string> assignedAgents);

    /// <summary>Progress history and results are included only when detailed.</summary>
    [Alias("GetInfo")] Task<TaskInfo> GetInfo(bool detailed);

    [Alias("ReportProgress")] Task<TaskInfo> ReportProgress(string? agentId, double progress, string? message);

    /// <summary>Records the worker's result; the swarm learns from it. Conflict if the task already finished.</summary>
    [Alias("Complete")] Task<TaskInfo> Complete(TaskCompletion completion);

    [Alias("Cancel")] Task<TaskInfo> Cancel(string? reason);

    [Alias("GetResults")] Task<IReadOnlyList<TaskResultEntry>> GetResults();
}
