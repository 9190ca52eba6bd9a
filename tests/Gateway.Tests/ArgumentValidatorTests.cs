using System.Text.Json;
using SwarmCluster.Contracts.Errors;
using SwarmCluster.Gateway.Mcp;

namespace SwarmCluster.Gateway.Tests;

/// <summary>The schema check that runs before every tool (in process: no gateway needed).</summary>
public sealed class ArgumentValidatorTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "topology": { "type": "string", "enum": ["mesh", "ring"] },
            "maxAgents": { "type": "integer", "default": 5, "minimum": 1, "maximum": 100 },
            "ratio": { "type": ["number", "null"], "minimum": 0, "maximum": 1 },
            "tags": { "type": ["array", "null"], "items": { "type": "string" }, "maxItems": 2 },
            "samples": { "type": ["array", "null"], "items": { "type": "object",
                "properties": { "input": { "type": "array", "items": { "type": "number" } } }, "required": ["input"] } },
            "meta": { "type": ["object", "null"], "additionalProperties": { "type": "string" } },
            "value": { }
          },
          "required": ["topology"]
        }
        """).RootElement;

    private static Dictionary<string, JsonElement> Validate(string json) =>
        ArgumentValidator.Validate(Schema, JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.Clone())));

    private static string Fails(string json)
    {
        var e = Assert.Throws<DomainException>(() => Validate(json));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        return e.Message;
    }

    [Theory]
    [InlineData("""{}""", "topology: required parameter is missing")]
    [InlineData("""{"topology":null}""", "topology: must be a string (got null)")]
    [InlineData("""{"topology":"star"}""", "topology: must be one of mesh, ring (got \"star\")")]
    [InlineData("""{"topology":"mesh","maxAgents":0}""", "maxAgents: must be between 1 and 100 (got 0)")]
    [InlineData("""{"topology":"mesh","maxAgents":1.5}""", "maxAgents: must be an integer (got 1.5)")]
    [InlineData("""{"topology":"mesh","maxAgents":"5"}""", "maxAgents: must be an integer (got \"5\")")]
    [InlineData("""{"topology":"mesh","ratio":2}""", "ratio: must be between 0 and 1 (got 2)")]
    [InlineData("""{"topology":"mesh","tags":["a","b","c"]}""", "tags: must have at most 2 items (got 3)")]
    [InlineData("""{"topology":"mesh","tags":[1]}""", "tags[0]: must be a string (got 1)")]
    [InlineData("""{"topology":"mesh","samples":[{}]}""", "samples[0].input: required property is missing")]
    [InlineData("""{"topology":"mesh","samples":[{"input":["x"]}]}""", "samples[0].input[0]: must be a number (got \"x\")")]
    [InlineData("""{"topology":"mesh","meta":{"a":1}}""", "meta.a: must be a string (got 1)")]
    [InlineData("""{"topology":"mesh","colour":"red"}""", "colour: unknown parameter (expected: topology, maxAgents, ratio, tags, samples, meta, value)")]
    public void Rejects_WithParameterAndRule(string json, string message) => Assert.Equal(message, Fails(json));

    [Fact]
    public void Accepts_AndNormalizes()
    {
        var args = Validate("""{"topology":"ring","maxAgents":5.0,"ratio":null,"tags":["x"],"value":{"any":[1,"two",null]}}""");
        Assert.Equal("5", args["maxAgents"].GetRawText()); // 5.0 is an integer to JSON Schema; the binder wants 5
        Assert.False(args.ContainsKey("ratio")); // null for an optional parameter means "not given"
        Assert.Equal("""{"any":[1,"two",null]}""", args["value"].GetRawText());
    }

    [Fact]
    public void ToolError_MapsDomainKinds_ToHttpStatuses()
    {
        Assert.Equal(404, ToolError.FromException(DomainException.NotFound("task", "task-x", "taskId"), "t", default)!.HttpStatus);
        Assert.Equal(409, ToolError.FromException(new DomainException(ErrorKind.CapacityExceeded, "full", "maxAgents"), "t", default)!.HttpStatus);
        Assert.Equal(409, ToolError.FromException(new DomainException(ErrorKind.Conflict, "done", "taskId"), "t", default)!.HttpStatus);
        Assert.Equal(400, ToolError.FromException(DomainException.Invalid("x", "bad"), "t", default)!.HttpStatus);
        var timeout = ToolError.FromException(new TimeoutException(), "swarm_status", default)!;
        Assert.Equal(503, timeout.HttpStatus);
        Assert.Contains("did not answer in time", timeout.Message);
        Assert.Equal("taskId: task 'task-x' not found", ToolError.FromException(DomainException.NotFound("task", "task-x", "taskId"), "t", default)!.Message);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Null(ToolError.FromException(new OperationCanceledException(), "t", cts.Token));
    }
}
