using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using OrleansGate.Proxy.Telemetry;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Telemetry;

/// <summary>
/// Traces: with a listener on the gateway's activity source (what the OTLP exporter is), every
/// decided statement is one span naming its session, kind, decision and rule, and never its text.
/// </summary>
public sealed class StatementSpanTests(PostgresFixture postgres) : GatewayTestBase(postgres), IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == GatewayTelemetry.ActivitySourceName,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    [Fact]
    public async Task Each_decided_statement_is_a_span_with_its_decision_and_rule()
    {
        _listener.ActivityStopped = _spans.Enqueue;
        ActivitySource.AddActivityListener(_listener);
        var application = "spans-" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = await OpenViaGatewayAsync(b => b.ApplicationName = application))
        {
            await using (var allowed = new NpgsqlCommand("SELECT 'secret-literal-7'", connection))
            {
                await allowed.ExecuteScalarAsync();
            }

            await using var blocked = new NpgsqlCommand("SELECT pg_read_file('/etc/hostname')", connection);
            await Assert.ThrowsAsync<PostgresException>(() => blocked.ExecuteScalarAsync());
        }

        var session = (await AuditRecord.SessionOfApplicationAsync(Postgres, application))[0].StreamId;
        var spans = _spans.Where(s => (string?)s.GetTagItem("orleansgate.session") == session).ToList();
        var decisions = spans.Select(s => ((string?)s.GetTagItem("orleansgate.decision"), (string?)s.GetTagItem("orleansgate.rule"))).ToList();
        Assert.Contains(("block", "default:server-file-functions"), decisions);
        Assert.Contains(spans, s => (string?)s.GetTagItem("orleansgate.decision") == "allow" && (string?)s.GetTagItem("orleansgate.statement.kind") == "Select");
        Assert.All(spans, s => Assert.Equal("orleansgate.statement", s.OperationName));
        Assert.All(spans, s => Assert.DoesNotContain(s.TagObjects, t => t.Value?.ToString()?.Contains("secret-literal-7", StringComparison.Ordinal) == true));
        Assert.Equal(ActivityStatusCode.Error, spans.Single(s => (string?)s.GetTagItem("orleansgate.decision") == "block").Status);
    }

    public void Dispose() => _listener.Dispose();
}
