using OrleansGate.Grains.Audit;
using OrleansGate.Proxy.Telemetry;

namespace OrleansGate.Silo.Hosting;

/// <summary>The audit database answers: without it no statement can be recorded, so none can run.</summary>
public sealed class AuditStoreReadiness(MartenAuditLog audit) : IReadinessCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<string?> CheckAsync(CancellationToken cancellationToken) =>
        await audit.ProbeAsync(Timeout, cancellationToken).ConfigureAwait(false) is { } problem
            ? $"the audit store does not answer ({problem})"
            : null;
}
