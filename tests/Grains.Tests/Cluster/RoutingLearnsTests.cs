using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Agents;
using SwarmCluster.Contracts.Swarms;
using SwarmCluster.Contracts.Tasks;

namespace SwarmCluster.Grains.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public class RoutingLearnsTests(ClusterFixture fixture)
{
    // Like real task streams, each kind of work has its own vocabulary (database, sql, query, schema, index …
    // versus frontend, css, react, component, page …) mixed with words seen once.
    private static readonly string[] DatabaseWork =
    [
        "add an index to the orders table in the database",
        "write a sql migration for the customer schema",
        "tune slow sql queries on the reporting database",
        "set up database backups for the billing schema",
        "normalise the invoice tables and add a foreign key index",
        "fix the deadlock in the database transaction code",
        "rewrite the monthly report query in plain sql",
        "partition the events table in the database by month",
    ];

    private static readonly string[] FrontendWork =
    [
        "build the login page in the frontend with react",
        "fix the css layout of the header component",
        "add dark mode to the react settings page",
        "make the checkout form component accessible",
        "animate the frontend navigation menu with css",
        "show validation errors on the signup page",
        "split the dashboard page into smaller react components",
        "align the pricing cards with css grid on the frontend",
    ];

    [Fact]
    public async Task Outcomes_train_the_network_to_send_database_work_to_A_and_frontend_work_to_B()
    {
        var client = fixture.Client;
        var swarm = client.GetGrain<ISwarmGrain>(GrainKeys.NewSwarmId());
        await swarm.Initialize(new SwarmConfig(SwarmTopology.Mesh, DistributionStrategy.Balanced, 4));
        // Identical profiles: capability matching cannot tell them apart, only experience can.
        var a = await swarm.SpawnAgent(new AgentSpec(AgentType.Coder, "A", ["general"]));
        var b = await swarm.SpawnAgent(new AgentSpec(AgentType.Coder, "B", ["general"]));

        // Before training, ties go to the first agent for both kinds of work.
        var untrained = await swarm.Rank(new TaskSpec("database sharding plan for the events table"));
        Assert.Equal(RoutingMethod.CapabilityMatch, untrained.Method);
        Assert.Equal(a.Id, untrained.Ranking[0].AgentId);
        Assert.Equal(a.Id, (await swarm.Rank(new TaskSpec("frontend tooltip for the pricing page"))).Ranking[0].AgentId);

        // Work in pairs: the first task of a pair goes to A (idle, lower slot), the second to B (A is busy).
        // Alternating which kind comes first gives each agent both kinds; A succeeds only at database work,
        // B only at frontend work.
        for (var i = 0; i < DatabaseWork.Length; i++)
        {
            var pair = i % 2 == 0 ? new[] { DatabaseWork[i], FrontendWork[i] } : [FrontendWork[i], DatabaseWork[i]];
            var tasks = new List<TaskInfo>();
            foreach (var description in pair)
            {
                tasks.Add(await swarm.Orchestrate(new TaskSpec(description)));
            }

            Assert.Equal([a.Id, b.Id], tasks.Select(t => t.AssignedAgents.Single()));
            foreach (var task in tasks)
            {
                var agent = task.AssignedAgents.Single();
                var isDatabase = DatabaseWork.Contains(task.Description);
                var success = isDatabase == (agent == a.Id);
                await swarm.CompleteTask(task.Id, new TaskCompletion(agent, success, success ? "done" : null, success ? 0.95 : null, success ? null : "could not do it"));
            }
        }

        Assert.Equal(16, (await swarm.GetNeuralStatus()).RecordedSamples);
        var training = await swarm.TrainOnOutcomes(200);
        Assert.Equal(200, training.EpochMse.Count);
        Assert.True(training.EpochMse[^1] < 0.05, $"final MSE {training.EpochMse[^1]}");

        foreach (var (text, expected) in new[]
                 {
                     ("add a database index for the shipments table", a.Id),
                     ("migrate the sql schema to version two", a.Id),
                     ("frontend tooltip component for the profile page", b.Id),
                     ("responsive css footer for the react app", b.Id),
                 })
        {
            var decision = await swarm.Rank(new TaskSpec(text));
            Assert.Equal(RoutingMethod.Network, decision.Method);
            Assert.Equal(2, decision.Ranking.Count);
            Assert.All(decision.Ranking, s => Assert.NotNull(s.NetworkScore));
            Assert.True(decision.Ranking[0].AgentId == expected,
                $"'{text}' should go to {(expected == a.Id ? "A" : "B")} (A={a.Id} slot {a.Slot}, B={b.Id} slot {b.Slot}): {string.Join("; ", decision.Ranking.Select(s => $"{s.AgentId} net {s.NetworkScore:0.000} score {s.Score:0.000}"))}");
            // Tasks naming their field outright are told apart by a wide margin.
            var margin = text.Contains("database", StringComparison.Ordinal) || text.Contains("frontend", StringComparison.Ordinal) ? 0.2 : 0.0;
            Assert.True(decision.Ranking[0].NetworkScore > decision.Ranking[1].NetworkScore + margin,
                $"'{text}': margin too small: {decision.Ranking[0].NetworkScore} vs {decision.Ranking[1].NetworkScore}");
            Assert.Contains("network", decision.Reason);

            var task = await swarm.Orchestrate(new TaskSpec(text));
            Assert.Equal([expected], task.AssignedAgents);
            await swarm.CancelTask(task.Id, "test over");
        }
    }
}
