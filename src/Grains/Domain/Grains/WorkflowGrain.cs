using Microsoft.Extensions.Logging;
using Orleans.Placement;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Daa;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Placement;
using SwarmCluster.Grains.State;
using SwarmCluster.Grains.Tasks;

namespace SwarmCluster.Grains;

/// <summary>
/// A DAA workflow: its steps and, per swarm it ran in, which task carries each step. Executing creates the tasks
/// through the swarm's OrchestrateBatch with request ids derived from workflow and step, so a repeat (or a retry
/// after a crash between the batch and this grain's write) finds the same tasks instead of making new ones.
/// </summary>
[GrainType("workflow"), WorkerPlacement, ActivationCountBasedPlacement]
public sealed class WorkflowGrain(
    [PersistentState(StorageNames.Workflow, StorageNames.Provider)] IPersistentState<WorkflowGrainState> state,
    ILogger<WorkflowGrain> logger) : Grain, IWorkflowGrain
{
    private string Key => this.GetPrimaryKeyString();

    /// <summary>The client's workflow id; the key also names the tenant ("workflow-&lt;tenant&gt;~&lt;id&gt;") unless implicit.</summary>
    private string WorkflowId => GrainKeys.ParseWorkflow(Key).WorkflowId;

    private string Tenant => GrainKeys.ParseWorkflow(Key).Tenant;

    public async Task<WorkflowInfo> Create(WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!GrainKeys.IsWorkflowId(WorkflowId) || !Tenants.IsValid(Tenant) || Key != GrainKeys.Workflow(Tenant, WorkflowId))
        {
            throw DomainException.Invalid("id", $"'{WorkflowId}' is not a workflow id (1–{DaaLimits.MaxWorkflowIdLength} letters, digits, '-', '_' or '.')");
        }

        var name = Checks.Text(definition.Name, "name", SwarmLimits.MaxNameLength);
        Checks.Defined(definition.Strategy, "strategy");
        var steps = WorkflowSteps.Normalize(definition.Steps);
        var order = TaskGraphs.TopologicalOrder(steps.Select(s => (s.Id, s.DependsOn)).ToList(), "dependencies");

        if (state.State.Exists)
        {
            if (state.State.Name == name && state.State.Strategy == definition.Strategy && WorkflowSteps.Same(state.State.Steps, steps))
            {
                return Info(created: false);
            }

            throw new DomainException(ErrorKind.Conflict, $"workflow '{WorkflowId}' already exists with a different definition; use another id", "id");
        }

        state.State = new WorkflowGrainState
        {
            Exists = true,
            Name = name,
            Strategy = definition.Strategy,
            Steps = steps,
            Order = order.ToList(),
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await state.WriteOrReloadAsync(DeactivateOnIdle);
        logger.LogInformation("Workflow {WorkflowId} created: {Steps} steps, {Strategy}", WorkflowId, steps.Count, definition.Strategy);
        return Info(created: true);
    }

    public Task<WorkflowInfo> GetInfo()
    {
        EnsureExists();
        return Task.FromResult(Info(created: false));
    }

    public async Task<WorkflowProgress> Execute(WorkflowRunRequest request)
    {
        EnsureExists();
        ArgumentNullException.ThrowIfNull(request);
        if (GrainKeys.TenantOf(request.SwarmId) != Tenant)
        {
            // A workflow runs only in its own tenant's swarms: another tenant's swarm id answers as one that does not exist.
            throw DomainException.NotFound("swarm", request.SwarmId, "swarmId");
        }

        var swarm = GrainFactory.GetGrain<ISwarmGrain>(request.SwarmId);
        if (state.State.Runs.ContainsKey(request.SwarmId))
        {
            return await ProgressAsync(request.SwarmId, started: false);
        }

        var roster = (await swarm.ListAgents(null)).Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        await GrainFactory.GetGrain<IDaaGrain>(request.SwarmId).BindWorkflow(Key); // before any task exists: swarm_destroy clears the run
        List<string>? allowed = null;
        if (request.AgentIds is { Count: > 0 } agentIds)
        {
            for (var i = 0; i < agentIds.Count; i++)
            {
                if (!roster.Contains(agentIds[i]))
                {
                    throw new DomainException(ErrorKind.NotFound, $"agent '{agentIds[i]}' not found in swarm '{request.SwarmId}'", $"agentIds[{i}]");
                }
            }

            allowed = agentIds.Distinct(StringComparer.Ordinal).ToList();
        }

        var parallel = request.Parallel ?? state.State.Strategy != ExecutionStrategy.Sequential;
        var dependsOn = WorkflowSteps.EffectiveDependencies(state.State.Steps, state.State.Order, parallel);
        var specs = state.State.Steps.Select(step => new TaskSpec(
            step.Description, step.Priority, parallel ? state.State.Strategy : ExecutionStrategy.Sequential, null, step.RequiredCapabilities)
        {
            Key = step.Id,
            DependsOn = dependsOn[step.Id],
            RequestId = $"wf:{WorkflowId}:{step.Id}",
            AllowedAgents = allowed,
            Assign = false, // workers claim them (task_claim); dependencies decide what is ready
        }).ToList();
        var tasks = await swarm.OrchestrateBatch(specs);

        state.State.Runs[request.SwarmId] = new WorkflowRunState
        {
            Parallel = parallel,
            AllowedAgents = allowed,
            StartedAt = DateTimeOffset.UtcNow,
            TaskIds = tasks.ToDictionary(t => t.Key!, t => t.Id, StringComparer.Ordinal),
            DependsOn = dependsOn,
        };
        await state.WriteOrReloadAsync(DeactivateOnIdle);
        logger.LogInformation("Workflow {WorkflowId} executing in {SwarmId}: {Tasks} tasks, parallel {Parallel}", WorkflowId, request.SwarmId, tasks.Count, parallel);
        return await ProgressAsync(request.SwarmId, started: true);
    }

    public Task<WorkflowProgress> GetProgress(string swarmId)
    {
        EnsureExists();
        if (!state.State.Runs.ContainsKey(swarmId))
        {
            throw new DomainException(ErrorKind.NotFound, $"workflow '{WorkflowId}' has not been executed in swarm '{swarmId}'", "swarmId");
        }

        return ProgressAsync(swarmId, started: false);
    }

    public async Task<bool> ForgetRun(string swarmId)
    {
        if (!state.State.Runs.Remove(swarmId))
        {
            return false;
        }

        await state.WriteOrReloadAsync(DeactivateOnIdle);
        logger.LogInformation("Workflow {WorkflowId}: run in destroyed swarm {SwarmId} forgotten", WorkflowId, swarmId);
        return true;
    }

    private async Task<WorkflowProgress> ProgressAsync(string swarmId, bool started)
    {
        var run = state.State.Runs[swarmId];
        var swarm = GrainFactory.GetGrain<ISwarmGrain>(swarmId);
        var steps = new List<WorkflowStepStatus>();
        foreach (var stepId in state.State.Order)
        {
            var task = await swarm.GetTask(run.TaskIds[stepId], false);
            steps.Add(new WorkflowStepStatus(stepId, task.Id, task.Status, task.Progress, task.AssignedAgents, run.DependsOn[stepId], task.StatusReason));
        }

        int Count(params TaskState[] states) => steps.Count(s => states.Contains(s.Status));
        var finished = Count(TaskState.Completed, TaskState.Failed, TaskState.Cancelled);
        var progress = steps.Count == 0 ? 1 : steps.Average(s => s.Status == TaskState.Completed ? 1 : Math.Clamp(s.Progress, 0, 1));
        return new WorkflowProgress(WorkflowId, swarmId, run.Parallel, run.AllowedAgents, run.StartedAt, steps.Count,
            Count(TaskState.Completed), Count(TaskState.Failed), Count(TaskState.Cancelled), Count(TaskState.Assigned, TaskState.InProgress),
            Count(TaskState.Pending), Count(TaskState.Blocked), Math.Round(progress, 4), finished == steps.Count, started, steps);
    }

    private WorkflowInfo Info(bool created) => new(WorkflowId, state.State.Name, state.State.Strategy, state.State.Steps, state.State.Order,
        state.State.CreatedAt, state.State.Runs.Keys.ToList(), created);

    private void EnsureExists()
    {
        if (!state.State.Exists)
        {
            throw DomainException.NotFound("workflow", WorkflowId, "workflowId");
        }
    }
}
