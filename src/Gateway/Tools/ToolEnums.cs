using System.Text.Json.Serialization;

namespace SwarmCluster.Gateway.Tools;

// Choices that exist only as tool parameters (domain choices — agent type, topology, strategy, cognitive pattern… —
// are the contracts' enums). On the wire each is its snake_case name (ToolJson), as ruv-swarm spells it.

/// <summary>agent_list filter: 'active' is ruv-swarm's word for busy.</summary>
public enum AgentFilter { All, Active, Idle, Busy }

/// <summary>agent_metrics metric.</summary>
public enum AgentMetric { All, Cpu, Memory, Tasks, Performance }

/// <summary>benchmark_run type.</summary>
public enum BenchmarkType { All, Wasm, Swarm, Agent, Task }

/// <summary>features_detect category.</summary>
public enum FeatureCategory { All, Wasm, Simd, Memory, Platform }

/// <summary>memory_usage action (the store's operations).</summary>
public enum MemoryAction { Store, Retrieve, List, Delete, Search }

/// <summary>memory_usage detail (statistics when no action is given).</summary>
public enum MemoryDetail
{
    Summary,
    Detailed,
    [JsonStringEnumMemberName("by-agent")] ByAgent,
}

/// <summary>neural_patterns pattern: every cognitive pattern, all of them, or ruv-swarm's 'abstract' (which no agent can have).</summary>
public enum PatternChoice { All, Convergent, Divergent, Lateral, Systems, Critical, Adaptive, Abstract }

/// <summary>daa_cognitive_pattern action.</summary>
public enum PatternAction { Analyze, Change }

/// <summary>task_results format.</summary>
public enum ResultFormat { Summary, Detailed, Raw }
