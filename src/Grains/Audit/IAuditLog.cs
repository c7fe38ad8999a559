using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Audit;

/// <summary>The append-only record of sessions: one stream of events per session.</summary>
public interface IAuditLog
{
    /// <summary>Appends linked events to a session's stream, as serialised; completes only once they are durably committed.</summary>
    Task AppendAsync(string sessionId, IReadOnlyList<LinkedEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Every event of a session's stream, in order.</summary>
    Task<IReadOnlyList<object>> ReadStreamAsync(string sessionId, CancellationToken cancellationToken = default);
}

/// <summary>The audit record could not be written; whatever depended on it must not happen.</summary>
public sealed class AuditUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
