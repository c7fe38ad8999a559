using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>
/// The client session is over. Its Hash seals the chain (docs/audit-integrity.md): only the steps of
/// an approval request that was still open may follow it. A Reason starting with "failure:" means
/// the session was cut (client, proxy or gateway gone) rather than closed by the client.
/// </summary>
public sealed record SessionEnded(string SessionId, string Reason, long Statements, DateTimeOffset At) : ChainedEvent
{
    public int SchemaVersion { get; init; } = 1;
}
