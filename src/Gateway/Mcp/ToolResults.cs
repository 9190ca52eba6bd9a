using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace SwarmCluster.Gateway.Mcp;

/// <summary>Every result is one JSON object, sent both as structured content and as its text.</summary>
public static class ToolResults
{
    public static CallToolResult Success(object? value)
    {
        var element = JsonSerializer.SerializeToElement(value ?? new { }, ToolJson.Results);
        if (element.ValueKind != JsonValueKind.Object)
            element = JsonSerializer.SerializeToElement(new { result = element }, ToolJson.Results);
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = element.GetRawText() }],
            StructuredContent = element,
        };
    }

    public static CallToolResult Failure(ToolError error)
    {
        var element = JsonSerializer.SerializeToElement(new { error }, ToolJson.Results);
        return new CallToolResult
        {
            // The text is the message alone: that is what a model reads first.
            Content = [new TextContentBlock { Text = error.Message }],
            StructuredContent = element,
            IsError = true,
        };
    }
}
