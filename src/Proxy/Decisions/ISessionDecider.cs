using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;

namespace OrleansGate.Proxy.Decisions;

/// <summary>Decides the statements of one live session (its session grain, seen from the proxy).</summary>
public interface ISessionDecider
{
    /// <summary>The session's id (its grain key and audit stream), or null when it has none.</summary>
    string? SessionId => null;

    /// <summary>
    /// Decisions for a batch, one per request, after they are recorded. Never throws for an
    /// unavailable decision point: it answers with refusals instead (fail closed).
    /// </summary>
    /// <remarks><paramref name="completed"/>: outcomes of earlier statements, recorded in the same commit.</remarks>
    Task<IReadOnlyList<Decision>> DecideAsync(IReadOnlyList<StatementRequest> batch, IReadOnlyList<StatementOutcome> completed,
        CancellationToken cancellationToken);

    /// <summary>Records the last outcomes and the end of the session; best effort.</summary>
    Task EndAsync(string reason, IReadOnlyList<StatementOutcome> completed);
}
