using System.Diagnostics.Metrics;

namespace OrleansGate.Grains.Telemetry;

/// <summary>
/// The gateway's metrics (System.Diagnostics.Metrics, meter <see cref="MeterName"/>), exported by
/// OpenTelemetry in Prometheus format on <c>/metrics</c> (docs/operations.md says what each means).
/// One per host, from its <see cref="IMeterFactory"/>. Gauges are observed from whoever holds the
/// value (the audit writer's queue, the proxy's sessions and held statements), registered once each.
/// </summary>
public sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = "OrleansGate";

    private readonly Meter _meter;
    private readonly Counter<long> _statements;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<long> _commitBatch;
    private readonly Counter<long> _maskedValues;
    private readonly Counter<long> _upstreamConnectFailures;
    private readonly Counter<long> _loginFailures;
    private readonly Counter<long> _keyReads;

    public GatewayMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _statements = _meter.CreateCounter<long>("orleansgate.statements", "{statement}",
            "Statements decided, by decision (allow, mask, hold, block) and the rule that decided");
        _commitDuration = _meter.CreateHistogram<double>("orleansgate.audit.commit.duration", "s",
            "Time to commit one batch of the audit record (every statement waits for its batch)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _commitBatch = _meter.CreateHistogram<long>("orleansgate.audit.commit.batch_size", "{append}",
            "Appends (a session's events of one decision or end) committed together in one batch",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        _maskedValues = _meter.CreateCounter<long>("orleansgate.masked_values", "{value}", "Values masked in results sent to clients");
        _upstreamConnectFailures = _meter.CreateCounter<long>("orleansgate.upstream.connect_failures", "{connection}",
            "Upstream connections to a target that failed, by target");
        _loginFailures = _meter.CreateCounter<long>("orleansgate.login.failures", "{login}", "Client logins refused, by reason");
        _keyReads = _meter.CreateCounter<long>("orleansgate.oidc.key_reads", "{read}", "Reads of an OIDC issuer's key set (first, periodic and for an unknown key), by issuer");
    }

    public void StatementDecided(string decision, string? rule) =>
        _statements.Add(1, new KeyValuePair<string, object?>("decision", decision), new KeyValuePair<string, object?>("rule", rule ?? string.Empty));

    public void AuditCommitted(TimeSpan duration, int appends)
    {
        _commitDuration.Record(duration.TotalSeconds);
        _commitBatch.Record(appends);
    }

    public void ValuesMasked(long count)
    {
        if (count > 0)
        {
            _maskedValues.Add(count);
        }
    }

    public void UpstreamConnectFailed(string target) => _upstreamConnectFailures.Add(1, new KeyValuePair<string, object?>("target", target));

    /// <summary>A refused login; <paramref name="reason"/> is one of <see cref="LoginFailure"/>.</summary>
    public void LoginFailed(string reason) => _loginFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void KeySetRead(string issuer) => _keyReads.Add(1, new KeyValuePair<string, object?>("issuer", issuer));

    public void ObserveAuditQueue(Func<int> depth) =>
        _meter.CreateObservableGauge("orleansgate.audit.queue.depth", depth, "{append}", "Appends waiting for the audit writer");

    public void ObserveLiveSessions(Func<int> count) =>
        _meter.CreateObservableUpDownCounter("orleansgate.sessions.live", count, "{session}", "Client sessions open on this proxy");

    /// <summary>Statements held for approval in this proxy's live sessions: how many, and how long the oldest has waited.</summary>
    public void ObserveHeldStatements(Func<int> count, Func<double> oldestSeconds)
    {
        _meter.CreateObservableGauge("orleansgate.approvals.held", count, "{statement}", "Statements waiting for approval in live sessions");
        _meter.CreateObservableGauge("orleansgate.approvals.held.oldest_age", oldestSeconds, "s", "How long the longest-waiting held statement has waited");
    }

    public void Dispose() => _meter.Dispose();
}

/// <summary>The reasons <see cref="GatewayMetrics.LoginFailed"/> counts by (a small fixed set: a label per value).</summary>
public static class LoginFailure
{
    public const string Password = "password";
    public const string Token = "token";
    public const string Target = "target";
    public const string Tls = "tls";
    public const string Protocol = "protocol";
    public const string Parameter = "parameter";
    public const string Internal = "internal";
    public const string Timeout = "timeout";
}
