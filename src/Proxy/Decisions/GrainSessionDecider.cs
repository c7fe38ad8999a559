using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Sessions.Leases;

namespace OrleansGate.Proxy.Decisions;

/// <summary>The proxy's handle on a session grain, with a deadline on every decision.</summary>
/// <remarks>
/// With <paramref name="localCommits"/> (the grain may live in this process), a grain that answers
/// before its record is committed leaves the commit there, and the decisions are returned only
/// once it has committed: either way nothing of the batch goes upstream before its record.
/// With <paramref name="leases"/>, a grain in this process that lends its decision
/// (<see cref="ISessionLease"/>) is asked on this thread, without Orleans' messaging; at least every
/// <see cref="RenewEvery"/> a batch still goes through Orleans, so the activation stays in use and
/// is not collected as idle under a busy session.
/// </remarks>
public sealed partial class GrainSessionDecider(ISessionGrain grain, IGrainFactory grains, TimeSpan timeout, ILogger logger,
    LocalAuditCommits? localCommits = null, LocalSessionLeases? leases = null) : ISessionDecider
{
    /// <summary>How long a session decides through its grain's lease before one batch goes through Orleans again (far below Orleans' 15-minute idle collection).</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromMinutes(1);

    private long _lastThroughOrleans = Environment.TickCount64;

    /// <summary>
    /// SQLSTATE 55000 object_not_in_prerequisite_state: no decision could be obtained, so the statement
    /// did not run (not class 58, on which drivers such as Npgsql drop the connection).
    /// </summary>
    public const string NoDecisionSqlState = "55000";

    // Read once: each read of a grain's string key makes a new string, and every request asks for it.
    public string SessionId { get; } = grain.GetPrimaryKeyString();

    public async Task<IReadOnlyList<Decision>> DecideAsync(IReadOnlyList<StatementRequest> batch, IReadOnlyList<StatementOutcome> completed,
        bool unsettled, CancellationToken cancellationToken)
    {
        try
        {
            var (decisions, commitPending) = await LeasedAsync(batch, completed, unsettled, cancellationToken).ConfigureAwait(false)
                ?? await ThroughOrleansAsync(batch, completed, unsettled, cancellationToken).ConfigureAwait(false);
            if (commitPending && !await CommittedAsync(cancellationToken).ConfigureAwait(false))
            {
                return SessionGrain.AuditUnavailable(batch);
            }

            if (decisions.Count == batch.Count)
            {
                return decisions;
            }

            return Refusals(batch.Count, "the decision point answered for the wrong number of statements");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Whatever went wrong (silo down, timeout, serialization), the statement must not run.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogNoDecision(logger, grain.GetPrimaryKeyString(), e.GetType().Name, e.Message);
            return Refusals(batch.Count, e is TimeoutException ? "the decision point did not answer in time" : "the decision point is unavailable");
        }
    }

    /// <summary>The decisions of the grain's lease, when it lends one and the activation was used through Orleans lately; else null.</summary>
    private async ValueTask<SessionDecisions?> LeasedAsync(IReadOnlyList<StatementRequest> batch, IReadOnlyList<StatementOutcome> completed,
        bool unsettled, CancellationToken cancellationToken)
    {
        if (leases?.Find(SessionId) is not { } lease || Environment.TickCount64 - _lastThroughOrleans > (long)RenewEvery.TotalMilliseconds)
        {
            return null;
        }

        // A copy, as Orleans' messaging made one: the relay reuses its list for the next batch, and a
        // decision this proxy stopped waiting for (the timeout) goes on reading what it was given.
        return await lease.DecideAsync([.. batch], completed, unsettled).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SessionDecisions> ThroughOrleansAsync(IReadOnlyList<StatementRequest> batch, IReadOnlyList<StatementOutcome> completed,
        bool unsettled, CancellationToken cancellationToken)
    {
        var decided = await grain.DecideAsync(batch, completed, unsettled, localCommits?.Process ?? Guid.Empty)
            .WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        _lastThroughOrleans = Environment.TickCount64;
        return decided;
    }

    /// <summary>Waits for the commit the grain left in this process; false (logged) when it failed or is not there.</summary>
    private async Task<bool> CommittedAsync(CancellationToken cancellationToken)
    {
        // The grain left it before it answered, so it is there unless something else took it.
        if (localCommits?.Take(SessionId) is not { } commit)
        {
            LogNoDecision(logger, SessionId, "commit", "the grain's commit was not left for this proxy");
            return false;
        }

        try
        {
            await commit.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is AuditUnavailableException or TimeoutException)
        {
            LogNotRecorded(logger, SessionId, e.Message);
            return false;
        }
    }

    public Task<ApprovalView?> WaitForApprovalAsync(string approvalId, TimeSpan upTo, CancellationToken cancellationToken) =>
        grains.GetGrain<IApprovalGrain>(approvalId).WaitAsync(upTo).WaitAsync(upTo + timeout, cancellationToken);

    public Task<ApprovalView?> WithdrawApprovalAsync(string approvalId, string reason) =>
        grains.GetGrain<IApprovalGrain>(approvalId).WithdrawAsync(reason).WaitAsync(timeout);

    /// <summary>How long a session's end is tried again after it could not be recorded.</summary>
    public static readonly TimeSpan EndRetryFor = TimeSpan.FromHours(1);

    /// <summary>The longest pause between two tries (they start 1 s apart and double).</summary>
    private static readonly TimeSpan EndRetryPauseAtMost = TimeSpan.FromSeconds(30);

    public async Task EndAsync(string reason, IReadOnlyList<StatementOutcome> completed)
    {
        try
        {
            if (await TryEndAsync(reason, completed, logFailure: true).ConfigureAwait(false))
            {
                return;
            }
        }
        catch (ObjectDisposedException e)
        {
            LogEndFailed(logger, SessionId, e.Message);
            return;
        }

        // The client is gone and the connection with it; only the record is left to finish, so it
        // is finished in the background (an audit outage must not hold the connection's teardown).
        // If this process stops first, the sweeper seals the session as ended by failure
        // (docs/audit-integrity.md#crashes).
        _ = EndLaterAsync(reason, completed);
    }

    private async Task EndLaterAsync(string reason, IReadOnlyList<StatementOutcome> completed)
    {
        var pause = TimeSpan.FromSeconds(1);
        var until = DateTime.UtcNow + EndRetryFor;
        try
        {
            while (DateTime.UtcNow < until)
            {
                await Task.Delay(pause).ConfigureAwait(false);
                if (await TryEndAsync(reason, completed, logFailure: false).ConfigureAwait(false))
                {
                    LogEndRecordedLater(logger, SessionId);
                    return;
                }

                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, EndRetryPauseAtMost.Ticks));
            }

            LogEndGivenUp(logger, SessionId, EndRetryFor.TotalMinutes);
        }
        catch (ObjectDisposedException)
        {
            // This gateway has stopped: its sessions are the sweeper's now.
        }
    }

    /// <summary>Records the session's end; false (logged) when it could not be recorded.</summary>
    /// <remarks>Throws <see cref="ObjectDisposedException"/> once this gateway has stopped.</remarks>
    private async Task<bool> TryEndAsync(string reason, IReadOnlyList<StatementOutcome> completed, bool logFailure)
    {
        try
        {
            await grain.EndAsync(reason, completed).WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
#pragma warning disable CA1031 // Whatever failed (the audit store, the silo, a timeout), the end is tried again; an unsealed stream verifies as open meanwhile.
        catch (Exception e) when (e is not ObjectDisposedException)
#pragma warning restore CA1031
        {
            if (logFailure)
            {
                LogEndFailed(logger, SessionId, e.Message);
            }

            return false;
        }
    }

    private static Decision[] Refusals(int count, string why) =>
        Enumerable.Repeat(Decision.Block("no-decision", $"statement refused: {why}", NoDecisionSqlState), count).ToArray();

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: no decision ({Error}: {Reason}); statements refused")]
    private static partial void LogNoDecision(ILogger logger, string sessionId, string error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: audit log unavailable, statements refused: {Reason}")]
    private static partial void LogNotRecorded(ILogger logger, string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: could not record its end, trying again: {Reason}")]
    private static partial void LogEndFailed(ILogger logger, string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: its end is recorded now")]
    private static partial void LogEndRecordedLater(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: its end could not be recorded within {Minutes} minutes; the stream stays open")]
    private static partial void LogEndGivenUp(ILogger logger, string sessionId, double minutes);
}
