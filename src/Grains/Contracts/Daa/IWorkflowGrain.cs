using Orleans.Concurrency;
namespace SwarmCluster.Contracts.Daa;

/// <summary>
/// A DAA workflow ("workflow-&lt;id&gt;"): named steps with dependencies, stored durably. Executing it in a swarm
/// creates one task per step with the dependency edges; the tasks are the truth about its progress.
/// </summary>
[Alias("swarm.IWorkflowGrain")]
public interface IWorkflowGrain : IGrainWithStringKey
{
    /// <summary>Stores the workflow; refuses cycles and unknown steps. The same definition again is harmless; a different one is a conflict.</summary>
    [Alias("Create")] Task<WorkflowInfo> Create(WorkflowDefinition definition);

    [Alias("GetInfo")] Task<WorkflowInfo> GetInfo();

    /// <summary>Creates the steps as tasks in the swarm (once per swarm; a repeat reports the run's progress).</summary>
    [Alias("Execute")] Task<WorkflowProgress> Execute(WorkflowRunRequest request);

    /// <summary>Progress of the run in the swarm, read from its tasks.</summary>
    [Alias("GetProgress")] Task<WorkflowProgress> GetProgress(string swarmId);

    /// <summary>
    /// Drops the run in that swarm (the swarm was destroyed; its tasks are gone), so the workflow can run in a swarm
    /// of that id again. Interleaves: it is called from the swarm's Destroy (through the DAA grain) while this grain
    /// may be waiting for that swarm in Execute or GetProgress.
    /// </summary>
    [AlwaysInterleave, Alias("ForgetRun")] Task<bool> ForgetRun(string swarmId);
}
