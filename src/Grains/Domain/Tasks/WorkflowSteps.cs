using SwarmCluster.Contracts;
using SwarmCluster.Contracts.Daa;
using SwarmCluster.Contracts.Errors;

namespace SwarmCluster.Grains.Tasks;

/// <summary>Rules of a workflow's steps and the dependencies its tasks get.</summary>
public static class WorkflowSteps
{
    /// <summary>Checks ids, descriptions and dependencies (known, not itself); returns stored-form steps (plain lists).</summary>
    public static List<WorkflowStep> Normalize(IReadOnlyList<WorkflowStep>? steps)
    {
        if (steps is null || steps.Count == 0)
        {
            throw DomainException.Invalid("steps", "must contain at least one step");
        }

        if (steps.Count > DaaLimits.MaxWorkflowSteps)
        {
            throw DomainException.Invalid("steps", $"must contain at most {DaaLimits.MaxWorkflowSteps} steps (got {steps.Count})");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            var id = steps[i]?.Id;
            if (!GrainKeys.IsWorkflowId(id) || id!.Length > DaaLimits.MaxStepIdLength)
            {
                throw DomainException.Invalid($"steps[{i}].id", $"must be 1–{DaaLimits.MaxWorkflowIdLength} letters, digits, '-', '_' or '.' (got '{id}')");
            }

            if (!ids.Add(id))
            {
                throw DomainException.Invalid($"steps[{i}].id", $"'{id}' is used by two steps");
            }
        }

        var result = new List<WorkflowStep>(steps.Count);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var description = Checks.Text(step.Description, $"steps[{i}].description", TaskLimits.MaxDescriptionLength);
            var dependsOn = (step.DependsOn ?? []).Distinct(StringComparer.Ordinal).ToList();
            if (dependsOn.Count > TaskLimits.MaxDependencies)
            {
                throw DomainException.Invalid($"dependencies.{step.Id}", $"at most {TaskLimits.MaxDependencies} dependencies per step (got {dependsOn.Count})");
            }

            foreach (var dependency in dependsOn)
            {
                if (dependency == step.Id)
                {
                    throw DomainException.Invalid($"dependencies.{step.Id}", $"step '{step.Id}' cannot depend on itself");
                }

                if (!ids.Contains(dependency))
                {
                    throw DomainException.Invalid($"dependencies.{step.Id}", $"unknown step '{dependency}' (steps: {string.Join(", ", ids)})");
                }
            }

            Checks.Defined(step.Priority, $"steps[{i}].priority");
            var capabilities = step.RequiredCapabilities is { Count: > 0 } c ? c.ToList() : null;
            result.Add(new WorkflowStep(step.Id, description, dependsOn, capabilities, step.Priority));
        }

        return result;
    }

    public static bool Same(IReadOnlyList<WorkflowStep> a, IReadOnlyList<WorkflowStep> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Id == p.Second.Id && p.First.Description == p.Second.Description
            && p.First.Priority == p.Second.Priority && p.First.DependsOn.SequenceEqual(p.Second.DependsOn)
            && (p.First.RequiredCapabilities ?? []).SequenceEqual(p.Second.RequiredCapabilities ?? []));

    /// <summary>
    /// Each step's dependencies as tasks get them. Sequential: each step also waits for the step before it in
    /// <paramref name="order"/> (a topological order), so exactly one step is ever ready.
    /// </summary>
    public static Dictionary<string, List<string>> EffectiveDependencies(IReadOnlyList<WorkflowStep> steps, IReadOnlyList<string> order, bool parallel)
    {
        var result = steps.ToDictionary(s => s.Id, s => s.DependsOn.ToList(), StringComparer.Ordinal);
        if (!parallel)
        {
            for (var i = 1; i < order.Count; i++)
            {
                if (!result[order[i]].Contains(order[i - 1]))
                {
                    result[order[i]].Add(order[i - 1]);
                }
            }
        }

        return result;
    }
}
