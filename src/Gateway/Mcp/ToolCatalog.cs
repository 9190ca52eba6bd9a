using System.Reflection;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Server;
using SwarmCluster.Gateway.Security;

namespace SwarmCluster.Gateway.Mcp;

/// <summary>One tool: the function both transports invoke (MCP and the REST mirror), its MCP face and the scope it needs.</summary>
public sealed record ToolEntry(string Name, AIFunction Function, McpServerTool McpTool, Scope Scope);

/// <summary>
/// The tools of this assembly, built once from the [McpServerToolType] classes. Built here rather than by
/// WithTools&lt;T&gt;() so the REST mirror can invoke the very same functions without an MCP session.
/// </summary>
public sealed class ToolCatalog
{
    private readonly Dictionary<string, ToolEntry> _byName;

    public ToolCatalog(IEnumerable<Type> toolTypes)
    {
        var entries = new List<ToolEntry>();
        foreach (var type in toolTypes)
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                if (method.GetCustomAttribute<McpServerToolAttribute>() is { } attribute)
                    entries.Add(Create(type, method, attribute));
        Tools = entries;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    public static ToolCatalog FromAssembly(Assembly assembly) =>
        new(assembly.GetTypes().Where(t => t.GetCustomAttribute<McpServerToolTypeAttribute>() is not null).OrderBy(t => t.Name));

    public IReadOnlyList<ToolEntry> Tools { get; }

    public bool TryGet(string name, out ToolEntry entry) => _byName.TryGetValue(name, out entry!);

    private static ToolEntry Create(Type type, MethodInfo method, McpServerToolAttribute attribute)
    {
        var name = attribute.Name ?? throw new InvalidOperationException($"{type.Name}.{method.Name}: [McpServerTool] needs a Name");
        var function = AIFunctionFactory.Create(
            method,
            // A fresh adapter per call, built from the caller's services (the HTTP request scope or the stdio host).
            args => ActivatorUtilities.CreateInstance(args.Services ?? throw new InvalidOperationException("no services"), type),
            new AIFunctionFactoryOptions
            {
                Name = name,
                SerializerOptions = ToolJson.Arguments,
                // Both transports get the same CallToolResult: structured content plus its JSON text.
                MarshalResult = static (result, _, _) => new ValueTask<object?>(ToolResults.Success(result)),
                ExcludeResultSchema = true,
            });

        var mcpTool = McpServerTool.Create(function, new McpServerToolCreateOptions
        {
            Name = name,
            Title = attribute.Title,
            ReadOnly = attribute.ReadOnly,
            // MCP reads destructiveHint only for tools that write; the attribute's default (true) would mislabel reads.
            Destructive = attribute.ReadOnly ? null : attribute.Destructive,
            Idempotent = attribute.Idempotent,
            OpenWorld = false, // everything stays inside the cluster
            SerializerOptions = ToolJson.Arguments,
        });
        return new ToolEntry(name, function, mcpTool, ToolScopeAttribute.Of(method, attribute));
    }
}
