namespace OrleansGate.Grains.Sessions.Leases;

/// <summary>
/// A session grain's decision lent to a proxy in the grain's own process: the same decision and
/// record as <see cref="ISessionGrain.DecideAsync"/>, run on the proxy's thread instead of through
/// Orleans' messaging (a request posted to the grain's scheduler and an answer posted back: two
/// thread wake-ups per statement, docs/benchmarks.md).
/// </summary>
/// <remarks>
/// The grain's single turn still holds: every call into the grain, through Orleans or through the
/// lease, runs inside the grain's own turn lock, one at a time. A lease ends when the grain
/// deactivates or its session ends; a call on an ended lease returns null and the caller asks the
/// grain through Orleans, which activates it again when needed (from the record, as always).
/// </remarks>
public interface ISessionLease
{
    /// <summary>
    /// Decides a batch as <see cref="ISessionGrain.DecideAsync"/> does for a caller in this process
    /// (the commit is left in <see cref="Audit.LocalAuditCommits"/> when it is pending); null when
    /// the lease has ended.
    /// </summary>
    Task<SessionDecisions?> DecideAsync(IReadOnlyList<StatementRequest> batch, IReadOnlyList<StatementOutcome>? completed, bool unsettled);
}
