using SwarmCluster.Grains.State;
using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Learning;
using SwarmCluster.Grains.Routing;

namespace SwarmCluster.Grains.Tests.Unit;

public class TaskFeatureEncoderTests
{
    [Theory]
    [InlineData("", 0x811c9dc5u)]
    [InlineData("a", 0xe40c292cu)]
    [InlineData("foobar", 0xbf9cf968u)]
    public void Fnv1a_matches_the_published_test_vectors(string text, uint expected) =>
        Assert.Equal(expected, StableTextHash.Fnv1a(text));

    [Fact]
    public void Known_text_encodes_to_pinned_values()
    {
        // Pinned from an independent FNV-1a computation: these numbers are what every process, on every
        // machine, must produce; trained networks depend on them.
        var v = TaskFeatureEncoder.Encode(new TaskText("database migration"));
        Assert.Equal(128, v.Length);
        var half = (float)(1 / Math.Sqrt(2));
        Assert.Equal(half, v[89], 6);   // w:database  → FNV-1a 1490630969 → bucket 89, sign +1
        Assert.Equal(half, v[88], 6);   // w:migration → FNV-1a 2108976808 → bucket 88, sign +1
        Assert.Equal(0.1981203f, v[TaskFeatureEncoder.LengthIndex], 6);
        Assert.Equal(1f, v[TaskFeatureEncoder.RichnessIndex]);
        Assert.Equal(4, v.Count(x => x != 0));
        Assert.Equal((89, 1), TaskFeatureEncoder.Locate("w:database"));
    }

    [Theory]
    [InlineData("Build the REST API for orders, then write integration tests")]
    [InlineData("optimize the database index on the orders table")]
    [InlineData("x")]
    public void Hashed_part_is_unit_length_and_reserved_inputs_are_zero(string text)
    {
        var v = TaskFeatureEncoder.Encode(new TaskText(text));
        var norm = Math.Sqrt(v.Take(TaskFeatureEncoder.HashedBuckets).Sum(x => (double)x * x));
        if (text == "x")
        {
            Assert.All(v, x => Assert.Equal(0f, x)); // one-letter words are dropped: nothing to encode
            return;
        }

        Assert.Equal(1.0, norm, 5);
        Assert.All(v.Skip(TaskFeatureEncoder.PriorityLowIndex), x => Assert.Equal(0f, x)); // medium, no capabilities
        Assert.All(v, x => Assert.True(float.IsFinite(x)));
    }

    [Fact]
    public void Priority_and_required_capabilities_encode_to_pinned_values()
    {
        // Medium without capabilities is the old encoding, bit for bit.
        Assert.Equal(TaskFeatureEncoder.Encode(new TaskText("database migration")), TaskFeatureEncoder.Encode(new TaskText("database migration", TaskPriority.Medium, [])));

        var v = TaskFeatureEncoder.Encode(new TaskText("database migration", TaskPriority.High, ["SQL", " sql ", "Postgres"]));
        // Four hashed features (duplicate capabilities count once, case and spaces ignored): each ±1/2 after L2.
        Assert.Equal(0.5f, v[89], 6);   // w:database  → bucket 89, +1
        Assert.Equal(0.5f, v[88], 6);   // w:migration → bucket 88, +1
        Assert.Equal(-0.5f, v[116], 6); // c:sql       → FNV-1a 4185908516 → bucket 116, sign -1
        Assert.Equal(-0.5f, v[87], 6);  // c:postgres  → FNV-1a 4292786127 → bucket 87, sign -1
        Assert.Equal((116, -1), TaskFeatureEncoder.Locate("c:sql"));
        // Length and richness count description words only; priority high is input 123.
        Assert.Equal(0.1981203f, v[TaskFeatureEncoder.LengthIndex], 6);
        Assert.Equal(1f, v[TaskFeatureEncoder.RichnessIndex]);
        Assert.Equal(1f, v[TaskFeatureEncoder.PriorityHighIndex]);
        Assert.Equal(7, v.Count(x => x != 0));
        Assert.All(v.Skip(TaskFeatureEncoder.FirstReservedIndex), x => Assert.Equal(0f, x));

        Assert.Equal(1f, TaskFeatureEncoder.Encode(new TaskText("x", TaskPriority.Low))[TaskFeatureEncoder.PriorityLowIndex]);
        Assert.Equal(1f, TaskFeatureEncoder.Encode(new TaskText("x", TaskPriority.Critical))[TaskFeatureEncoder.PriorityCriticalIndex]);
        Assert.Null(TaskFeatureEncoder.PriorityIndex(TaskPriority.Medium));
    }

    [Fact]
    public void Routing_and_training_encode_a_task_the_same_way()
    {
        var spec = new TaskSpec("Migrate the billing database", TaskPriority.Critical, RequiredCapabilities: ["sql"]);
        // Training reads the task index entry the swarm stored when it created the task.
        Assert.Equal(TaskFeatureEncoder.Encode(TaskText.From(spec)), TaskFeatureEncoder.Encode(TaskText.Of(IndexEntry(spec))));

        // Also for a description longer than the part the encoding reads.
        var longSpec = spec with { Description = string.Join(' ', Enumerable.Range(0, 400).Select(i => $"word{i}")) };
        Assert.Equal(TaskFeatureEncoder.MaxDescriptionChars, IndexEntry(longSpec).Text.Length);
        Assert.Equal(TaskFeatureEncoder.Encode(TaskText.From(longSpec)), TaskFeatureEncoder.Encode(TaskText.Of(IndexEntry(longSpec))));
        var stored = OutcomeLog.ToStored(new RoutingOutcome("task-2", TaskText.From(longSpec), 0, true, null, DateTimeOffset.UnixEpoch), heldOut: false);
        Assert.Equal(TaskFeatureEncoder.MaxDescriptionChars, stored.Text.Length);
        Assert.Equal(TaskFeatureEncoder.Encode(TaskText.From(longSpec)), TaskFeatureEncoder.Encode(OutcomeLog.Read(stored, 5)!.Value.Task));
    }

    private static TaskIndexEntry IndexEntry(TaskSpec spec) => new()
    {
        Id = "task-1",
        Text = TaskFeatureEncoder.EncodedPart(spec.Description),
        Priority = spec.Priority,
        RequiredCapabilities = [.. spec.RequiredCapabilities ?? []],
    };

    [Fact]
    public void Encoding_ignores_case_and_punctuation()
    {
        Assert.Equal(TaskFeatureEncoder.Encode(new TaskText("database migration")), TaskFeatureEncoder.Encode(new TaskText("  DATABASE, Migration!")));
        Assert.NotEqual(TaskFeatureEncoder.Encode(new TaskText("database migration")), TaskFeatureEncoder.Encode(new TaskText("database rollback")));
        Assert.All(TaskFeatureEncoder.Encode(new TaskText(null)), x => Assert.Equal(0f, x));
    }
}
