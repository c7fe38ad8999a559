using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Metrics;

namespace OrleansGate.Proxy.Telemetry;

/// <summary>One thing the process needs to serve: null when it is fine, else why not (one line).</summary>
public interface IReadinessCheck
{
    Task<string?> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>
/// What operators' tools call, without authentication (they carry no secret): <c>/healthz</c> (the
/// process runs), <c>/readyz</c> (every <see cref="IReadinessCheck"/> passes; 503 listing those that
/// do not) and <c>/metrics</c> (Prometheus text format). The admin API and the proxy's health
/// listener both serve them.
/// </summary>
public static class OperatorEndpoints
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    public static void Map(IEndpointRouteBuilder endpoints, Func<bool> alive, IEnumerable<IReadinessCheck> checks, MeterProvider? meters)
    {
        endpoints.MapGet("/healthz", () => alive()
            ? Results.Text("ok")
            : Results.Text("stopping", statusCode: StatusCodes.Status503ServiceUnavailable));
        var all = checks.ToArray();
        endpoints.MapGet("/readyz", async (HttpContext http) =>
        {
            var problems = alive() ? await ProblemsAsync(all, http.RequestAborted).ConfigureAwait(false) : ["the process is stopping"];
            return problems.Count == 0
                ? Results.Text("ready")
                : Results.Text("not ready: " + string.Join("; ", problems), statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        if (meters is not null)
        {
            endpoints.MapPrometheusScrapingEndpoint("/metrics", meters, configureBranchedPipeline: null, optionsName: null);
        }
    }

    private static async Task<List<string>> ProblemsAsync(IReadOnlyList<IReadinessCheck> checks, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(CheckTimeout);
        var results = await Task.WhenAll(checks.Select(async check =>
        {
            try
            {
                return await check.CheckAsync(limit.Token).WaitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return $"{check.GetType().Name}: no answer within {CheckTimeout.TotalSeconds:0} s";
            }
        })).ConfigureAwait(false);
        return results.OfType<string>().ToList();
    }
}
