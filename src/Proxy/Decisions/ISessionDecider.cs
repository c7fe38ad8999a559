using OrleansGate.Grains.Approvals;
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
    /// <remarks>
    /// <paramref name="completed"/>: outcomes of earlier statements, recorded in the same commit.
    /// <paramref name="unsettled"/>: the session is in a transaction block, or earlier requests are still
    /// unanswered upstream; what DDL among them did may not be visible to other connections yet.
    /// </remarks>
    Task<IReadOnlyList<Decision>> DecideAsync(IReadOnlyList<StatementRequest> batch, IReadOnlyList<StatementOutcome> completed,
        bool unsettled, CancellationToken cancellationToken);

    /// <summary>
    /// The approval a held request waits on, once it is no longer pending or after
    /// <paramref name="upTo"/>; null when no such approval exists.
    /// </summary>
    /// <exception cref="Exception">The approval service did not answer (the caller retries).</exception>
    Task<ApprovalView?> WaitForApprovalAsync(string approvalId, TimeSpan upTo, CancellationToken cancellationToken);

    /// <summary>Withdraws a held request (the client cancelled or left); the approval as it then stands.</summary>
    Task<ApprovalView?> WithdrawApprovalAsync(string approvalId, string reason);

    /// <summary>Records the last outcomes and the end of the session; best effort.</summary>
    Task EndAsync(string reason, IReadOnlyList<StatementOutcome> completed);
}
