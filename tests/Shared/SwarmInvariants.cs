using System.Text.Json;

namespace SwarmCluster.Tests.Shared;

/// <summary>
/// What must hold in a swarm after any crash, checked from the tools' answers alone (swarm_status, task_status
/// with detailed=true, agent_list): no agent is busy without a live task, no task is held by an idle agent, every
/// count equals what the tasks and agents say, every acknowledged result is present, and no task has two results.
/// Returns the violations, empty when all hold.
/// </summary>
public static class SwarmInvariants
{
    private static readonly string[] Open = ["assigned", "in_progress"];

    public static List<string> Check(JsonElement swarmStatus, JsonElement taskStatus, JsonElement agentList, IEnumerable<(string TaskId, string Output)> acknowledgedResults)
    {
        var problems = new List<string>();
        var tasks = taskStatus.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!);
        if (taskStatus.GetProperty("truncated").GetBoolean())
        {
            problems.Add("task_status is truncated: the swarm has too many tasks to check");
        }

        var agents = agentList.GetProperty("agents").EnumerateArray().ToDictionary(a => a.GetProperty("id").GetString()!);
        foreach (var (id, agent) in agents)
        {
            var open = agent.GetProperty("openTaskIds").EnumerateArray().Select(t => t.GetString()!).ToList();
            var busy = agent.GetProperty("status").GetString() == "busy";
            if (busy != open.Count > 0)
            {
                problems.Add($"agent {id} is {agent.GetProperty("status").GetString()} with {open.Count} open task(s)");
            }

            foreach (var taskId in open)
            {
                if (!tasks.TryGetValue(taskId, out var task) || !Open.Contains(task.GetProperty("status").GetString())
                    || !task.GetProperty("assignedAgents").EnumerateArray().Any(a => a.GetString() == id))
                {
                    problems.Add($"agent {id} is busy with {taskId}, which is not a live task held by it");
                }
            }
        }

        var counted = new Dictionary<string, int>();
        foreach (var (id, task) in tasks)
        {
            var status = task.GetProperty("status").GetString()!;
            counted[status] = counted.GetValueOrDefault(status) + 1;
            var holders = task.GetProperty("assignedAgents").EnumerateArray().Select(a => a.GetString()!).ToList();
            if (Open.Contains(status) != holders.Count > 0)
            {
                problems.Add($"task {id} is {status} held by {holders.Count} agent(s)");
            }

            foreach (var holder in holders)
            {
                if (!agents.TryGetValue(holder, out var agent) || agent.GetProperty("status").GetString() != "busy"
                    || !agent.GetProperty("openTaskIds").EnumerateArray().Any(t => t.GetString() == id))
                {
                    problems.Add($"task {id} is held by {holder}, which is not busy with it");
                }
            }

            var results = task.GetProperty("results").GetArrayLength();
            if (results > 1 || (status is "completed" or "failed" && results == 0 && task.GetProperty("statusReason").ValueKind == JsonValueKind.Null))
            {
                problems.Add($"task {id} is {status} with {results} result(s)");
            }
        }

        var swarmCounts = swarmStatus.GetProperty("tasks");
        foreach (var (name, status) in new[] { ("pending", "pending"), ("blocked", "blocked"), ("assigned", "assigned"), ("inProgress", "in_progress"), ("completed", "completed"), ("failed", "failed"), ("cancelled", "cancelled") })
        {
            if (swarmCounts.GetProperty(name).GetInt32() != counted.GetValueOrDefault(status))
            {
                problems.Add($"swarm_status counts {swarmCounts.GetProperty(name).GetInt32()} {status}, the tasks say {counted.GetValueOrDefault(status)}");
            }
        }

        var counters = swarmStatus.GetProperty("counters");
        Expect(problems, "counters.tasksOrchestrated", counters.GetProperty("tasksOrchestrated").GetInt64(), tasks.Count);
        Expect(problems, "counters.tasksCompleted", counters.GetProperty("tasksCompleted").GetInt64(), counted.GetValueOrDefault("completed"));
        Expect(problems, "counters.tasksFailed", counters.GetProperty("tasksFailed").GetInt64(), counted.GetValueOrDefault("failed"));
        var agentCounts = swarmStatus.GetProperty("agents");
        Expect(problems, "agents.total", agentCounts.GetProperty("total").GetInt32(), agents.Count);
        Expect(problems, "agents.busy", agentCounts.GetProperty("busy").GetInt32(), agents.Values.Count(a => a.GetProperty("status").GetString() == "busy"));

        // Metrics are counted from the results the agents reported.
        var credited = tasks.Values.Where(t => t.GetProperty("status").GetString() == "completed")
            .Select(t => t.GetProperty("creditedAgent").GetString())
            .Where(a => a is not null).GroupBy(a => a!).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (id, agent) in agents)
        {
            Expect(problems, $"agent {id} tasksCompleted", agent.GetProperty("metrics").GetProperty("tasksCompleted").GetInt32(), credited.GetValueOrDefault(id));
        }

        foreach (var (taskId, output) in acknowledgedResults)
        {
            if (!tasks.TryGetValue(taskId, out var task))
            {
                problems.Add($"task {taskId}: acknowledged result, task missing");
            }
            else if (task.GetProperty("status").GetString() != "completed"
                     || !task.GetProperty("results").EnumerateArray().Any(r => r.GetProperty("output").GetString() == output))
            {
                problems.Add($"task {taskId}: acknowledged result '{output}' missing (status {task.GetProperty("status").GetString()})");
            }
        }

        return problems;
    }

    private static void Expect(List<string> problems, string what, long actual, long expected)
    {
        if (actual != expected)
        {
            problems.Add($"{what} is {actual}, the records say {expected}");
        }
    }
}
