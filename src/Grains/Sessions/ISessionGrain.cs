namespace OrleansGate.Grains.Sessions;

/// <summary>
/// One client session (keyed by the session id the proxy issues). Decides every statement and
/// records it in the session's audit stream before the proxy may forward it.
/// </summary>
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Records SessionStarted. Called once, before the first decision.</summary>
    Task StartAsync(SessionStart start);

    /// <summary>
    /// Records a refused login as the only event of this (new) stream, and lets the grain go.
    /// Throws when the record cannot be written.
    /// </summary>
    Task RefuseLoginAsync(LoginRefusal refusal);

    /// <summary>
    /// Decides a batch — the statements of one Query message, or everything up to one Sync — in one
    /// call with one audit commit, and returns only after the commit. The batch is all-or-nothing:
    /// if one statement is refused, every statement of it is.
    /// </summary>
    /// <remarks>
    /// <paramref name="completed"/> are the outcomes of earlier statements the proxy has seen since
    /// its last call; they are recorded (StatementCompleted) in the same commit.
    /// <paramref name="callerProcess"/>: the caller's <see cref="Audit.LocalAuditCommits.Process"/>.
    /// When it is the grain's own and nothing is held, the grain returns once the batch's record is
    /// handed to the audit writer (<see cref="SessionDecisions.CommitPending"/>), and the caller
    /// waits for the commit itself.
    /// </remarks>
    Task<SessionDecisions> DecideAsync(IReadOnlyList<StatementRequest> batch, IReadOnlyList<StatementOutcome>? completed = null,
        bool unsettled = false, Guid callerProcess = default);

    /// <summary>
    /// Appends an approval's steps (ApprovalGranted, ApprovalDenied, ApprovalExpired,
    /// ApprovalWithdrawn) to the session's stream, so the stream keeps one writer. Called by the
    /// approval grain after it persisted the change, with its proof over the steps
    /// (<see cref="Approvals.ApprovalProofs.SignSteps"/>): steps without it are refused. Throws when
    /// the record cannot be written (the approval grain retries).
    /// </summary>
    Task RecordApprovalAsync(IReadOnlyList<object> events, string proof);

    /// <summary>
    /// Records the last outcomes and SessionEnded, and lets the grain go. Throws when the record
    /// cannot be written; calling it again then is safe (a session already ended adds nothing).
    /// </summary>
    Task EndAsync(string reason, IReadOnlyList<StatementOutcome>? completed = null);

    /// <summary>
    /// Seals a session whose proxy is gone without ending it (the sweeper; <paramref name="reason"/>
    /// starts with "failure:"). False when the session had already ended or never started; throws
    /// when the record cannot be written, so the sweeper tries again next time.
    /// </summary>
    Task<bool> SealAbandonedAsync(string reason);
}
