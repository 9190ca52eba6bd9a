using SwarmCluster.Grains.State;
using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Data.Sqlite;
using Orleans.TestingHost;
using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Memory;
using SwarmCluster.Contracts.Neural;
using SwarmCluster.Contracts.Queen;
using SwarmCluster.Contracts.Registry;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Tests.Cluster;

/// <summary>Everything a swarm is made of survives losing its activations: SQLite is the only memory.</summary>
public class PersistenceTests
{
    private sealed record World(
        string SwarmId, SwarmInfo Info, IReadOnlyList<AgentInfo> Agents, IReadOnlyList<TaskInfo> Tasks, float[] Probe, float[] Output,
        NeuralStatus Neural, string Namespace);

    private static float[] Probe() => Enumerable.Range(0, 128).Select(i => (float)Math.Sin(i * 0.37)).ToArray();

    private static async Task<World> BuildAsync(IClusterClient client)
    {
        var id = GrainKeys.NewSwarmId();
        var swarm = client.GetGrain<ISwarmGrain>(id);
        await swarm.Initialize(new SwarmConfig(SwarmTopology.Hierarchical, DistributionStrategy.Specialized, 3, "keeper", "survive restarts"));
        await swarm.SpawnAgent(new AgentSpec(AgentType.Coder, "coder", ["database"]));
        await swarm.SpawnAgent(new AgentSpec(AgentType.Tester, "tester", Pattern: CognitivePattern.Lateral));
        var done = await swarm.Orchestrate(new TaskSpec("index the database tables"));
        await swarm.CompleteTask(done.Id, new TaskCompletion(done.AssignedAgents[0], true, "indexed", 0.8));
        var open = await swarm.Orchestrate(new TaskSpec("write regression tests", TaskPriority.High));
        await swarm.ReportProgress(open.Id, open.AssignedAgents[0], 0.4, "half");
        var blocked = await swarm.Orchestrate(new TaskSpec("release after the tests") { DependsOn = [open.Id] });
        Assert.Equal(TaskState.Blocked, blocked.Status);

        var random = new Random(5);
        var samples = Enumerable.Range(0, 10).Select(_ => new TrainingSample(
            Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble()).ToArray(),
            [(float)random.NextDouble(), 0.5f, 0.1f])).ToList();
        await swarm.Train(samples, 20);
        await swarm.TrainOnOutcomes(5);
        var output = await swarm.Process(Probe());

        var ns = "keep-" + Guid.NewGuid().ToString("n")[..8];
        var memory = client.GetGrain<IMemoryGrain>(GrainKeys.Memory(ns));
        await memory.Store(new MemoryWrite("durable", """{"kept":true}""", new Dictionary<string, string> { ["m"] = "1" }, Persist: true));
        await memory.Store(new MemoryWrite("plain", "\"written behind\""));

        var agents = await swarm.ListAgents(null);
        var tasks = (await swarm.ListTasks(null, true, 100)).Tasks.OrderBy(t => t.CreatedAt).ToList();

        return new World(id, await swarm.GetInfo(), agents, tasks, Probe(), output, await swarm.GetNeuralStatus(), ns);
    }

    private static async Task VerifyAsync(IClusterClient client, World w)
    {
        var swarm = client.GetGrain<ISwarmGrain>(w.SwarmId);
        var info = await swarm.GetInfo();
        Assert.Equal((w.Info.Name, w.Info.Topology, w.Info.Strategy, w.Info.MaxAgents, w.Info.AgentCount, w.Info.CreatedAt, w.Info.Objective),
            (info.Name, info.Topology, info.Strategy, info.MaxAgents, info.AgentCount, info.CreatedAt, info.Objective));

        var agents = await swarm.ListAgents(null);
        Assert.Equal(w.Agents.Select(a => (a.Id, a.Name, a.Type, a.Slot, a.Pattern, a.Status, a.CurrentTaskId, string.Join(",", a.Capabilities))),
            agents.Select(a => (a.Id, a.Name, a.Type, a.Slot, a.Pattern, a.Status, a.CurrentTaskId, string.Join(",", a.Capabilities))));
        Assert.Equal(w.Agents.Select(a => a.Metrics), agents.Select(a => a.Metrics));

        var listing = await swarm.ListTasks(null, true, 100);
        Assert.Equal(w.Tasks.Select(t => t.Id), listing.Tasks.OrderBy(t => t.CreatedAt).Select(t => t.Id));
        foreach (var before in w.Tasks)
        {
            var after = await swarm.GetTask(before.Id, true);
            Assert.Equal((before.Status, before.Progress, before.Description, before.Priority, before.StartedAt, before.FinishedAt, before.LeaseExpiresAt, before.Attempt),
                (after.Status, after.Progress, after.Description, after.Priority, after.StartedAt, after.FinishedAt, after.LeaseExpiresAt, after.Attempt));
            Assert.Equal(before.AssignedAgents, after.AssignedAgents);
            Assert.Equal(before.DependsOn, after.DependsOn);
            Assert.Equal(before.BlockedBy, after.BlockedBy);
            Assert.Equal(before.Results, after.Results);
            Assert.Equal(before.ProgressHistory, after.ProgressHistory);
            Assert.Equal(before.Events, after.Events);
            Assert.Equal(before.Routing?.Reason, after.Routing?.Reason);
        }

        var status = await swarm.GetStatus(false);
        Assert.Equal((1, 1, 1), (status.Tasks.Completed, status.Tasks.InProgress, status.Tasks.Blocked));
        var neural = await swarm.GetNeuralStatus();
        Assert.Equal((w.Neural.EpochsTrained, w.Neural.LastMse, w.Neural.RecordedSamples, w.Neural.RoutingUsesNetwork, w.Neural.TrainingAlgorithm, w.Neural.SerializedBytes),
            (neural.EpochsTrained, neural.LastMse, neural.RecordedSamples, neural.RoutingUsesNetwork, neural.TrainingAlgorithm, neural.SerializedBytes));

        // The network came back from its FANN bytes: the very same floats.
        Expect.BitIdentical(w.Output, await swarm.Process(w.Probe));

        var memory = client.GetGrain<IMemoryGrain>(GrainKeys.Memory(w.Namespace));
        var durable = await memory.Retrieve("durable");
        Assert.Equal("""{"kept":true}""", durable!.ValueJson);
        Assert.Equal("1", durable.Metadata["m"]);
        Assert.Equal("\"written behind\"", (await memory.Retrieve("plain"))?.ValueJson);
        Assert.Contains(w.SwarmId, await client.GetGrain<IRegistryGrain>(GrainKeys.Registry).ListSwarms());
    }

    [Fact]
    public async Task Deactivated_grains_reload_everything_from_sqlite()
    {
        var path = TestClusters.NewDatabasePath();
        var cluster = await TestClusters.StartAsync(path, "persistence-deactivate");
        try
        {
            var client = cluster.Client;
            var world = await BuildAsync(client);
            await client.GetGrain<IMemoryGrain>(GrainKeys.Memory(world.Namespace)).Flush();

            // Deactivate every grain involved; the next calls activate fresh instances that read SQLite.
            var grains = new List<IAddressable>
            {
                client.GetGrain<ISwarmGrain>(world.SwarmId),
                client.GetGrain<IMemoryGrain>(GrainKeys.Memory(world.Namespace)),
                client.GetGrain<IRegistryGrain>(GrainKeys.Registry),
            };
            grains.AddRange(world.Agents.Select(a => client.GetGrain<IAgentGrain>(a.Id)).Where(_ => true));
            grains.AddRange(world.Tasks.Select(t => client.GetGrain<ITaskGrain>(t.Id)));
            foreach (var grain in grains)
            {
                await cluster.DeactivateAsync(grain);
            }

            await VerifyAsync(client, world);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
            SqliteConnection.ClearAllPools();
        }
    }

    [Fact]
    public async Task A_queens_supervision_reminder_survives_a_cluster_restart()
    {
        var path = TestClusters.NewDatabasePath();
        var hiveId = GrainKeys.NewSwarmId();
        var first = await TestClusters.StartAsync(path, "reminders-restart");
        try
        {
            await first.Client.GetGrain<IQueenGrain>(hiveId).CreateHive("Research the options, then implement the parser", null, null);
        }
        finally
        {
            await first.StopAllSilosAsync();
            await first.DisposeAsync();
        }

        var rows = await ReminderRowsAsync(path);
        Assert.Contains(rows, r => r.Contains(hiveId) && r.Contains("supervise"));

        // Nothing calls the Queen in the new cluster but the reminder: her supervision time stamp (kept in memory
        // only) can come from nowhere else.
        var second = await TestClusters.StartAsync(path, "reminders-restart");
        try
        {
            var queen = second.Client.GetGrain<IQueenGrain>(hiveId);
            var deadline = DateTime.UtcNow + TestClusters.SupervisionPeriod * 10;
            QueenStatus status;
            while ((status = await queen.GetStatus()).LastSupervisedAt is null)
            {
                Assert.True(DateTime.UtcNow < deadline, "the Queen's reminder did not fire after the restart");
                await Task.Delay(200);
            }

            Assert.True(status.LastSupervisedAt > DateTimeOffset.UtcNow.AddMinutes(-1));
            await second.Client.GetGrain<ISwarmGrain>(hiveId).Destroy();
        }
        finally
        {
            await second.StopAllSilosAsync();
            await second.DisposeAsync();
            SqliteConnection.ClearAllPools();
        }
    }

    [Fact]
    public async Task Registry_lists_live_in_pages_one_registration_rewrites_one_of_and_old_whole_list_rows_move_into_them()
    {
        var path = TestClusters.NewDatabasePath();
        const string tenant = "pages";
        var registryKey = GrainKeys.TenantKey(tenant);
        var old = Enumerable.Range(0, 5).Select(_ => GrainKeys.NewSwarmId(tenant)).ToList();
        var added = Enumerable.Range(0, 295).Select(_ => GrainKeys.NewSwarmId(tenant)).ToList();
        var cluster = await TestClusters.StartAsync(path, "registry-pages");
        try
        {
            // A row as versions before the pages wrote it: both lists whole in the registry's own row.
            var storage = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Provider);
            await storage.WriteStateAsync(StorageNames.Registry, GrainId.Create(GrainType.Create("registry"), GrainIdKeyExtensions.CreateIntegerKey(registryKey)),
                new GrainState<RegistryGrainState>(new RegistryGrainState { Swarms = [.. old], Namespaces = ["notes"] }));

            var registry = cluster.Client.GetGrain<IRegistryGrain>(registryKey);
            foreach (var id in added)
            {
                await registry.RegisterSwarm(id);
            }

            Assert.Equal([.. old, .. added], await registry.ListSwarms());
            Assert.Equal(["notes"], await registry.ListNamespaces());

            var before = await PageVersionsAsync(path);
            Assert.Equal(["registry-namespaces-0", "registry-swarms-0", "registry-swarms-1", "registry-swarms-2"], before.Keys.Order());
            var removed = added[40];
            await registry.UnregisterSwarm(removed);
            var fresh = GrainKeys.NewSwarmId(tenant);
            await registry.RegisterSwarm(fresh); // takes the freed place in page 0, yet lists last
            var after = await PageVersionsAsync(path);
            Assert.Equal(before["registry-swarms-0"] + 2, after["registry-swarms-0"]);
            Assert.Equal(before.Where(kv => kv.Key != "registry-swarms-0"), after.Where(kv => kv.Key != "registry-swarms-0"));
            Assert.Equal(fresh, await registry.GetDefaultSwarm());
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
            SqliteConnection.ClearAllPools();
        }

        var second = await TestClusters.StartAsync(path, "registry-pages");
        try
        {
            var expected = old.Concat(added).Where(id => id != added[40]).ToList();
            var registry = second.Client.GetGrain<IRegistryGrain>(registryKey);
            var listed = await registry.ListSwarms();
            Assert.Equal(expected, listed.Take(expected.Count));
            Assert.Equal(expected.Count + 1, listed.Count);
            Assert.Equal(listed[^1], await registry.GetDefaultSwarm());
            // swarm_status's list: the newest first, bounded, with the total.
            var newest = await registry.NewestSwarms(SwarmLimits.StatusSwarmIds);
            Assert.Equal(listed.Reverse().Take(SwarmLimits.StatusSwarmIds), newest.Ids);
            Assert.Equal(listed.Count, newest.Total);
            Assert.Equal(["notes"], await registry.ListNamespaces());
            // The old row was emptied once its lists were in pages.
            var oldRow = (await TestClusters.ReadRowsAsync(path)).Single(r => r.GrainType == StorageNames.Registry);
            Assert.DoesNotContain(old[0], oldRow.Text);
        }
        finally
        {
            await second.StopAllSilosAsync();
            await second.DisposeAsync();
            SqliteConnection.ClearAllPools();
        }
    }

    private static async Task<Dictionary<string, long>> PageVersionsAsync(string databasePath) =>
        (await TestClusters.ReadRowsAsync(databasePath)).Where(r => r.GrainType.StartsWith("registry-", StringComparison.Ordinal))
            .ToDictionary(r => r.GrainType, r => r.Version);

    private static async Task<List<string>> ReminderRowsAsync(string databasePath)
    {
        await using var connection = new SqliteConnection(SwarmCluster.Hosting.SwarmClusterHosting.BuildSqliteConnectionString(databasePath));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT GrainId || ' ' || ReminderName || ' ' || Period FROM SwarmReminders";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    [Fact]
    public async Task A_full_cluster_restart_on_the_same_database_loses_nothing()
    {
        var path = TestClusters.NewDatabasePath();
        World world;
        var first = await TestClusters.StartAsync(path, "persistence-restart");
        try
        {
            // The plain memory write is not flushed here: graceful shutdown must write it (OnDeactivateAsync).
            world = await BuildAsync(first.Client);
        }
        finally
        {
            await first.StopAllSilosAsync();
            await first.DisposeAsync();
        }

        var second = await TestClusters.StartAsync(path, "persistence-restart");
        try
        {
            await VerifyAsync(second.Client, world);

            // Hive state too: a queen created now survives a reload.
            var hiveId = GrainKeys.NewSwarmId();
            var hive = await second.Client.GetGrain<IQueenGrain>(hiveId).CreateHive("Fix the login bug then test it", null, null);
            await second.DeactivateAsync(second.Client.GetGrain<IQueenGrain>(hiveId));
            var again = await second.Client.GetGrain<IQueenGrain>(hiveId).GetHive();
            Assert.Equal((hive.CreatedAt, hive.Plan.Objective, hive.Tasks.Count), (again.CreatedAt, again.Plan.Objective, again.Tasks.Count));

            // No compiler-generated collection types in stored state: the reader's allow-list rejects them.
            var rows = await TestClusters.ReadRowsAsync(path);
            Assert.DoesNotContain(rows, r => r.Text is not null && r.Text.Contains("<>", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.GrainType == "queen" && r.Key == hiveId);
        }
        finally
        {
            await second.StopAllSilosAsync();
            await second.DisposeAsync();
            SqliteConnection.ClearAllPools();
        }
    }
}
