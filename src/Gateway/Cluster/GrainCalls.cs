using Orleans.Runtime;
using Polly;
using Polly.Retry;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Daa;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Contracts.Queen;
using SwarmCluster.Contracts.Registry;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Gateway.Security;

namespace SwarmCluster.Gateway.Cluster;

/// <summary>
/// Grain access for the tools: typed references, a per-call timeout, and retries for idempotent reads
/// while a silo fails over (calls then hang or are rejected for a few seconds). Everything a tool reaches by
/// name rather than by id — the registry (the default swarm, listings), memory namespaces, new swarm ids — is
/// the current caller's tenant's.
/// </summary>
public sealed class GrainCalls(IGrainFactory factory, GatewayOptions options, ILogger<GrainCalls> logger)
{
    // 0.25+0.75+1.5+1.5 s for the default four retries covers the ~2.2 s failure detection measured.
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(750), TimeSpan.FromSeconds(1.5)];

    // Idempotent calls (reads, writes carrying a requestId) go through the retry pipeline; other writes run once.
    private readonly ResiliencePipeline _retrying = RetryPipeline(options.ReadRetries, logger);

    public IGrainFactory Factory => factory;

    public IRegistryGrain Registry => factory.GetGrain<IRegistryGrain>(GrainKeys.TenantKey(Caller.Current.Tenant));

    public IManagementGrain Management => factory.GetGrain<IManagementGrain>(0);

    public ISwarmGrain Swarm(string swarmId) => factory.GetGrain<ISwarmGrain>(swarmId);

    public IAgentGrain Agent(string agentId) => factory.GetGrain<IAgentGrain>(agentId);

    public ITaskGrain Task(string taskId) => factory.GetGrain<ITaskGrain>(taskId);

    public IQueenGrain Queen(string swarmId) => factory.GetGrain<IQueenGrain>(swarmId);

    public IDaaGrain Daa(string swarmId) => factory.GetGrain<IDaaGrain>(swarmId);

    /// <summary>The caller's workflow of that id (each tenant has its own ids).</summary>
    public IWorkflowGrain Workflow(string workflowId) => factory.GetGrain<IWorkflowGrain>(GrainKeys.Workflow(Caller.Current.Tenant, workflowId));

    /// <summary>The caller's namespace of that name (each tenant has its own "default").</summary>
    public IMemoryGrain Memory(string memoryNamespace) => factory.GetGrain<IMemoryGrain>(GrainKeys.Memory(Caller.Current.Tenant, memoryNamespace));

    /// <summary>A new swarm id of the caller's tenant.</summary>
    public static string NewSwarmId() => GrainKeys.NewSwarmId(Caller.Current.Tenant);

    /// <summary>The swarm a requestId of the caller's tenant creates (another tenant's equal requestId names another swarm).</summary>
    public static string SwarmIdForRequest(string scope, string requestId) => GrainKeys.SwarmIdForRequest(Caller.Current.Tenant, scope, requestId);

    /// <summary>An idempotent call: retried on rejection or timeout.</summary>
    public Task<T> Read<T>(Func<Task<T>> call, CancellationToken cancellationToken) => Run(call, _retrying, cancellationToken);

    /// <summary>
    /// A call with effects: retried only when it carries the client's requestId (a repeat then returns the first
    /// call's result); otherwise never, since a timed-out write may still have happened.
    /// </summary>
    public Task<T> Write<T>(Func<Task<T>> call, CancellationToken cancellationToken, string? requestId = null) =>
        Run(call, requestId is null ? ResiliencePipeline.Empty : _retrying, cancellationToken);

    public Task Write(Func<Task> call, CancellationToken cancellationToken) =>
        Run(async () => { await call(); return true; }, ResiliencePipeline.Empty, cancellationToken);

    /// <summary>The swarm a tool acts on: the one named, else the registry's default (the newest).</summary>
    public async Task<string> ResolveSwarm(string? swarmId, CancellationToken cancellationToken)
    {
        if (swarmId is not null)
            return Ids.Swarm(swarmId);
        return await Read(() => Registry.GetDefaultSwarm(), cancellationToken)
            ?? throw new DomainException(ErrorKind.NotFound, "no swarm: call swarm_init first");
    }

    /// <summary>The swarm a task belongs to: named in its id, or (ids from before that) asked of the task.</summary>
    public async Task<string> SwarmOfTask(string taskId, CancellationToken cancellationToken) =>
        GrainKeys.SwarmOf(Ids.Task(taskId)) is { } swarm
            ? swarm
            : (await Read(() => Task(taskId).GetSnapshot(), cancellationToken)) is { Exists: true } snapshot
                ? snapshot.SwarmId
                : throw DomainException.NotFound("task", taskId, "taskId");

    /// <summary>The swarm an agent belongs to: named in its id, or (ids from before that) asked of the agent.</summary>
    public async Task<string> SwarmOfAgent(string agentId, CancellationToken cancellationToken) =>
        GrainKeys.SwarmOf(Ids.Agent(agentId)) ?? (await Read(() => Agent(agentId).GetProfile(), cancellationToken)).SwarmId;

    // The per-call timeout applies to each attempt; a cancelled call is never retried.
    private Task<T> Run<T>(Func<Task<T>> call, ResiliencePipeline pipeline, CancellationToken cancellationToken) =>
        pipeline.ExecuteAsync(
            static async (state, token) => await state.call().WaitAsync(state.timeout, token),
            (call, timeout: options.CallTimeout),
            cancellationToken).AsTask();

    private static ResiliencePipeline RetryPipeline(int retries, ILogger logger) => retries <= 0
        ? ResiliencePipeline.Empty
        : new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } e && IsTransient(e) && !args.Context.CancellationToken.IsCancellationRequested),
            MaxRetryAttempts = retries,
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff[Math.Min(args.AttemptNumber, Backoff.Length - 1)]),
            OnRetry = args =>
            {
                logger.LogInformation("Grain call failed ({Error}); retry {Attempt} of {Retries}",
                    args.Outcome.Exception?.GetType().Name, args.AttemptNumber + 1, retries);
                return ValueTask.CompletedTask;
            },
        }).Build();

    private static bool IsTransient(Exception e) => e is OrleansMessageRejectionException or TimeoutException;
}
