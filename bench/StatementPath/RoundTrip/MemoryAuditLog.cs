using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Bench.StatementPath.RoundTrip;

/// <summary>
/// An audit log that keeps nothing but a count: what the gateway's path costs apart from the
/// audit database. Only for this benchmark; the gateway itself always writes to PostgreSQL.
/// </summary>
internal sealed class MemoryAuditLog : IAuditLog
{
    private long _events;

    public long Events => Interlocked.Read(ref _events);

    public Task AppendAsync(string sessionId, IReadOnlyList<LinkedEvent> events, CancellationToken cancellationToken = default)
    {
        Interlocked.Add(ref _events, events.Count);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<object>> ReadStreamAsync(string sessionId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<object>>([]);
}
