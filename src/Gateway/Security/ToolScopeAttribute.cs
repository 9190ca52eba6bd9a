using System.Reflection;
using ModelContextProtocol.Server;

namespace SwarmCluster.Gateway.Security;

/// <summary>
/// The scope a tool needs when its MCP hints do not say it: a tool marked ReadOnly needs "read", any other
/// "write"; this attribute names the exceptions — the admin tools, and tools whose arguments decide (they check the
/// rest themselves through <see cref="Caller.Require"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolScopeAttribute(Scope scope) : Attribute
{
    public Scope Scope { get; } = scope;

    /// <summary>The least scope that may call the tool (and see it in tools/list).</summary>
    public static Scope Of(MethodInfo method, McpServerToolAttribute tool) =>
        method.GetCustomAttribute<ToolScopeAttribute>()?.Scope ?? (tool.ReadOnly ? Scope.Read : Scope.Write);
}
