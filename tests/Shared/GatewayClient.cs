using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace SwarmCluster.Tests.Shared;

/// <summary>One tool call's outcome through the REST mirror; Status 0 means no HTTP answer (refused, timed out).</summary>
public sealed record ToolCall(string Tool, int Status, JsonElement Body, string? Failure)
{
    public bool Ok => Status == 200;

    public string Describe() => Ok ? $"{Tool}: 200" : $"{Tool}: {(Status == 0 ? "no answer" : Status.ToString())} {Failure}";
}

/// <summary>
/// The REST mirror of the gateway (POST /mcp/{tool} with the arguments as JSON → the tool's result JSON).
/// Every call is bounded; failures come back as values so load loops can count them.
/// </summary>
public sealed class GatewayClient(string baseUrl) : IDisposable
{
    /// <summary>Above the gateway's own per-grain-call bound (CallTimeoutSeconds, 30 s by default).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(35);

    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public string BaseUrl { get; set; } = baseUrl;

    public async Task<ToolCall> CallAsync(string tool, object arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            using var response = await _http.PostAsJsonAsync($"{BaseUrl}/mcp/{tool}", arguments, cts.Token);
            var text = await response.Content.ReadAsStringAsync(cts.Token);
            var body = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
            var status = (int)response.StatusCode;
            return new ToolCall(tool, status, body, status == 200 ? null : text.Length > 300 ? text[..300] : text);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ToolCall(tool, 0, default, $"no answer within {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or IOException)
        {
            return new ToolCall(tool, 0, default, ex.GetType().Name + ": " + ex.Message);
        }
    }

    /// <summary>A call that must succeed now.</summary>
    public async Task<JsonElement> RequireAsync(string tool, object arguments)
    {
        var call = await CallAsync(tool, arguments);
        return call.Ok ? call.Body : throw new InvalidOperationException($"{call.Describe()} (arguments {JsonSerializer.Serialize(arguments)})");
    }

    /// <summary>Retries until success or <paramref name="deadline"/>; returns the last attempt.</summary>
    public async Task<ToolCall> RetryAsync(string tool, object arguments, TimeSpan deadline, TimeSpan? perCall = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            // At least a short attempt even when the deadline is (nearly) spent.
            var left = TimeSpan.FromMilliseconds(Math.Max(500, (deadline - clock.Elapsed).TotalMilliseconds));
            var call = await CallAsync(tool, arguments, left < (perCall ?? DefaultTimeout) ? left : perCall);
            if (call.Ok || clock.Elapsed + TimeSpan.FromMilliseconds(200) >= deadline)
            {
                return call;
            }

            await Task.Delay(200);
        }
    }

    public void Dispose() => _http.Dispose();
}
