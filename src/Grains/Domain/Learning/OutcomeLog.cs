using SwarmCluster.Contracts.Tasks;
using SwarmCluster.Grains.Routing;
using SwarmCluster.Grains.State;

namespace SwarmCluster.Grains.Learning;

/// <summary>A finished task to learn from: credit goes to one agent slot, the one that reported the result.</summary>
/// <param name="Quality">Reported quality of a success (0..1), or null.</param>
public sealed record RoutingOutcome(string TaskId, TaskText Task, int CreditedSlot, bool Success, double? Quality, DateTimeOffset At);

/// <summary>A recorded outcome as training and measurement read it.</summary>
/// <param name="Target">What the credited slot's output should be: quality of a success, else 1 on success, 0 on failure.</param>
public readonly record struct RoutingSample(string TaskId, TaskText Task, int Slot, float Target, bool Success, bool HeldOut);

/// <summary>
/// Reads and writes <see cref="OutcomeSample"/> rows. Rows written before credit and task features were recorded
/// (only Slots and Target) are read this way: the first slot is credited (the first assigned agent, usually
/// the only one; who reported was not recorded), success = Target &gt; 0 (a success reported with quality 0
/// reads as a failure), priority medium, no required capabilities, held out by the task-id hash; rows with no
/// slot are dropped.
/// </summary>
public static class OutcomeLog
{
    /// <summary>Failure: 0. Success: the reported quality clamped to 0..1, else 1. (Quality grades a success.)</summary>
    public static float TargetFor(bool success, double? quality) =>
        !success ? 0f : quality is { } q && double.IsFinite(q) ? (float)Math.Clamp(q, 0, 1) : 1f;

    /// <summary>Deterministic: the same task id is held out on every machine and every run.</summary>
    public static bool IsHeldOut(string taskId, int heldOutEvery) =>
        heldOutEvery > 0 && StableTextHash.Fnv1a(taskId) % (uint)heldOutEvery == 0;

    /// <summary>The row for an outcome; it keeps the part of the description the encoder reads.</summary>
    public static OutcomeSample ToStored(RoutingOutcome outcome, bool heldOut)
    {
        var target = TargetFor(outcome.Success, outcome.Quality);
        return new OutcomeSample
        {
            TaskId = outcome.TaskId,
            Text = TaskFeatureEncoder.EncodedPart(outcome.Task.Description),
            Slots = [outcome.CreditedSlot], // what older code reads
            Target = target,
            At = outcome.At,
            CreditedSlot = outcome.CreditedSlot,
            Success = outcome.Success,
            Quality = outcome.Quality is { } q && double.IsFinite(q) ? q : null,
            Priority = outcome.Task.Priority,
            RequiredCapabilities = outcome.Task.RequiredCapabilities.Count > 0 ? outcome.Task.RequiredCapabilities.ToList() : null,
            HeldOut = heldOut,
        };
    }

    /// <summary>
    /// Appends an outcome to the log (dropping the oldest beyond <see cref="RoutingLearningOptions.MaxRecordedOutcomes"/>)
    /// and counts it: trainable outcomes and the credited slot's finished tasks. A task id already in the log is
    /// ignored (Recorded false: a retried notification) unless <paramref name="checkDuplicate"/> is false (a rebuild
    /// from records known to be distinct).
    /// </summary>
    public static (bool Recorded, bool HeldOut) Append(SwarmOutcomeState log, RoutingOutcome outcome, RoutingLearningOptions options, bool checkDuplicate = true)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(outcome.TaskId);
        ArgumentNullException.ThrowIfNull(outcome.Task);
        ArgumentOutOfRangeException.ThrowIfNegative(outcome.CreditedSlot);
        var samples = log.Samples;
        if (checkDuplicate && samples.Exists(s => s.TaskId == outcome.TaskId))
        {
            return (false, false);
        }

        // A swarm's first trainable outcome is never held out: with one or two outcomes, both held out by the hash,
        // a young swarm had nothing to train on.
        var heldOut = log.TrainableRecorded > 0 && IsHeldOut(outcome.TaskId, options.HeldOutEvery);
        samples.Add(ToStored(outcome, heldOut));
        if (samples.Count > options.MaxRecordedOutcomes)
        {
            samples.RemoveRange(0, samples.Count - options.MaxRecordedOutcomes);
        }

        if (!heldOut)
        {
            log.TrainableRecorded++;
        }

        Count(log.FinishedBySlot, outcome.CreditedSlot);
        return (true, heldOut);
    }

    /// <summary>Every usable sample of the log, as learning reads it; slots at or beyond <paramref name="outputs"/> are skipped.</summary>
    public static List<RoutingSample> ReadAll(IEnumerable<OutcomeSample> log, int heldOutEvery, int outputs) =>
        log.Select(s => Read(s, heldOutEvery))
            .Where(s => s is { } x && x.Slot < outputs)
            .Select(s => s!.Value)
            .ToList();

    /// <summary>Finished tasks by credited slot, counted from the samples (for logs written before the counter).</summary>
    public static List<long> CountBySlot(IEnumerable<RoutingSample> samples)
    {
        var counts = new List<long>();
        foreach (var sample in samples)
        {
            Count(counts, sample.Slot);
        }

        return counts;
    }

    /// <summary>The sample as learning reads it, or null when it credits no slot (see the class remarks).</summary>
    public static RoutingSample? Read(OutcomeSample stored, int heldOutEvery)
    {
        ArgumentNullException.ThrowIfNull(stored);
        int? slot = stored.CreditedSlot ?? (stored.Slots is { Count: > 0 } slots ? slots[0] : null);
        if (slot is not { } s || s < 0)
        {
            return null;
        }

        var task = new TaskText(stored.Text, stored.Priority ?? TaskPriority.Medium, stored.RequiredCapabilities);
        var success = stored.Success ?? stored.Target > 0;
        var heldOut = stored.HeldOut ?? IsHeldOut(stored.TaskId, heldOutEvery);
        return new RoutingSample(stored.TaskId, task, s, Math.Clamp(stored.Target, 0f, 1f), success, heldOut);
    }

    private static void Count(List<long> counts, int slot)
    {
        while (counts.Count <= slot)
        {
            counts.Add(0);
        }

        counts[slot]++;
    }
}
