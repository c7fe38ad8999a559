using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Masking;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions.Leases;

namespace OrleansGate.Grains.Sessions;

/// <summary>
/// The decision point of one session. Its state is a fold of its own audit stream, so when it is
/// reactivated (on this silo or another) it rebuilds itself from the record and numbering
/// continues without a gap. It is the only writer of its stream, and every append goes through
/// <see cref="AppendChainedAsync"/>, which links the events onto the session's hash chain
/// (invariant 5, docs/audit-integrity.md).
/// </summary>
/// <remarks>
/// Other grains are called through the injected <paramref name="grains"/>, not <c>Grain.GrainFactory</c>:
/// a leased decision runs on the proxy's thread, where Orleans refuses access to the activation's services.
/// </remarks>
public sealed partial class SessionGrain(IGrainFactory grains, IAuditLog audit, GatewayConfiguration policies, TimeProvider clock, ChainKey chainKey, ApprovalProofs proofs,
    Telemetry.GatewayMetrics metrics, LocalAuditCommits localCommits, LocalSessionLeases leases, ILogger<SessionGrain> logger)
    : Grain, ISessionGrain, ISessionLease
{
    /// <summary>
    /// SQLSTATE 55000 object_not_in_prerequisite_state: the statement did not run because its
    /// prerequisite, the audit record, could not be written. (Class 58 would fit too, but drivers
    /// such as Npgsql drop the whole connection on it; the session must stay usable.)
    /// </summary>
    public const string AuditUnavailableSqlState = "55000";

    private SessionState _state = SessionState.Empty;
    private SessionMasking? _masking;

    /// <summary>Where the chain stands (k for the next position lives only here); null when it must be rebuilt from the stream.</summary>
    private ChainHead? _chain;

    /// <summary>
    /// The commit of the last batch handed to the writer without waiting (a proxy in this process
    /// waits for it); the chain head and the state already stand after it. Settled before anything
    /// else touches the chain: if it failed, both are rebuilt from the stream.
    /// </summary>
    private Task _inFlight = Task.CompletedTask;

    private string SessionId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => RebuildAsync(cancellationToken);

    // The commit left for the proxy stays in LocalAuditCommits: the proxy may be about to take it
    // (a grain collected between its answer and that take would otherwise refuse a recorded batch).
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => InTurnAsync(async () =>
    {
        EndLease();
        await SettleInFlightAsync().ConfigureAwait(true);
    });

    /// <summary>Folds the stream again: the state, and the chain head with its key ratcheted from k_1.</summary>
    private async Task RebuildAsync(CancellationToken cancellationToken = default)
    {
        var events = await audit.ReadStreamAsync(SessionId, cancellationToken).ConfigureAwait(true);
        _state = events.Aggregate(SessionState.Empty, SessionState.Apply);
        _chain = ChainHead.After(chainKey, SessionId, _state.Events, _state.LastHash);
    }

    /// <summary>Settles the commit in flight, then folds the stream again when the chain head is unknown (after a failed commit).</summary>
    private Task RebuildIfUnknownAsync() =>
        _inFlight.IsCompletedSuccessfully && _chain is not null ? Task.CompletedTask : SettleAndRebuildAsync();

    private async Task SettleAndRebuildAsync()
    {
        await SettleInFlightAsync().ConfigureAwait(true);
        if (_chain is null)
        {
            await RebuildAsync().ConfigureAwait(true);
        }
    }

    /// <summary>Waits for the commit in flight; when it failed (it may have committed all the same), only the stream knows where the chain stands.</summary>
    private async Task SettleInFlightAsync()
    {
        var inFlight = _inFlight;
        _inFlight = Task.CompletedTask;
        try
        {
            await inFlight.ConfigureAwait(true);
        }
#pragma warning disable CA1031 // However it failed, the proxy that waited for it refused the batch and logged why; here only the chain matters.
        catch (Exception)
#pragma warning restore CA1031
        {
            _chain = null;
        }
    }

    /// <summary>
    /// Rebuilds after a failed commit, which may have committed all the same (a timeout, a
    /// connection lost at COMMIT): only the stream knows the position and hash to link to next.
    /// </summary>
    private async Task<bool> EnsureChainAsync()
    {
        try
        {
            await RebuildIfUnknownAsync().ConfigureAwait(true);
            return true;
        }
        catch (AuditUnavailableException e)
        {
            LogAuditUnavailable(logger, SessionId, e.Message);
            return false;
        }
    }

    /// <summary>
    /// The one place events reach the stream: links them onto the chain (position, Hash),
    /// appends them, and moves the chain head and the state on only once they are committed.
    /// Throws <see cref="AuditUnavailableException"/> when the record cannot be written.
    /// </summary>
    private async Task AppendChainedAsync(IEnumerable<ChainedEvent> events)
    {
        await RebuildIfUnknownAsync().ConfigureAwait(true);

        var (linked, head) = AuditChain.Link(_chain!, events);
        try
        {
            await audit.AppendAsync(SessionId, linked).ConfigureAwait(true);
        }
        catch
        {
            _chain = null;
            throw;
        }

        _chain = head;
        _state = linked.Aggregate(_state, (state, e) => SessionState.Apply(state, e.Event));
    }

    /// <summary>
    /// As <see cref="AppendChainedAsync"/>, for a caller in this process that waits for the commit
    /// itself: the chain head and the state move on at once, and the commit is left in
    /// <see cref="_inFlight"/> (settled before the chain is touched again) and for the caller.
    /// </summary>
    private void HandChainedToWriter(IEnumerable<ChainedEvent> events)
    {
        var (linked, head) = AuditChain.Link(_chain!, events);
        _inFlight = audit.AppendAsync(SessionId, linked);
        localCommits.Leave(SessionId, _inFlight);
        _chain = head;
        _state = linked.Aggregate(_state, (state, e) => SessionState.Apply(state, e.Event));
    }

    public Task StartAsync(SessionStart start) => InTurnAsync(() => StartInTurnAsync(start));

    private async Task StartInTurnAsync(SessionStart start)
    {
        await RebuildIfUnknownAsync().ConfigureAwait(true);

        if (_state.Started is not null || _state.Ended)
        {
            return;
        }

        var started = new SessionStarted(SessionId, start.Identity, start.Groups, start.Target, start.ClientAddress,
            start.ApplicationName, start.Tls, clock.GetUtcNow())
        {
            Proxy = start.Proxy,
            Token = start.Token,
        };
        await AppendChainedAsync([started]).ConfigureAwait(true);
    }

    public Task RefuseLoginAsync(LoginRefusal refusal) => InTurnAsync(() => RefuseLoginInTurnAsync(refusal));

    private async Task RefuseLoginInTurnAsync(LoginRefusal refusal)
    {
        await RebuildIfUnknownAsync().ConfigureAwait(true);
        if (_state.Events == 0)
        {
            await AppendChainedAsync([new LoginRefused(SessionId, refusal.Identity, refusal.Target, refusal.ClientAddress,
                refusal.ApplicationName, refusal.Tls, refusal.Reason, clock.GetUtcNow())
            {
                Claimed = refusal.Claimed,
                Proxy = refusal.Proxy,
            }]).ConfigureAwait(true);
        }

        DeactivateOnIdle();
    }

    public Task<SessionDecisions> DecideAsync(IReadOnlyList<StatementRequest> batch, IReadOnlyList<StatementOutcome>? completed = null,
        bool unsettled = false, Guid callerProcess = default) => InTurnAsync(async () =>
    {
        var decided = await DecideInTurnAsync(batch, completed, unsettled, callerProcess).ConfigureAwait(true);
        if (callerProcess == localCommits.Process)
        {
            // The proxy beside this grain: from now on it may decide on its own thread (ISessionLease).
            GrantLease();
        }

        return decided;
    });

    private async Task<SessionDecisions> DecideInTurnAsync(IReadOnlyList<StatementRequest> batch, IReadOnlyList<StatementOutcome>? completed,
        bool unsettled, Guid callerProcess)
    {
        if (!await EnsureChainAsync().ConfigureAwait(true))
        {
            return new(AuditUnavailable(batch));
        }

        if (_state.Started is not { } started || _state.Ended)
        {
            return new(batch.Select(_ => Decision.Block("session-not-open", "the session is not open")).ToArray());
        }

        var subject = new SessionSubject(started.Identity, started.Groups, started.Target);
        var policy = policies.PolicyFor(started.Target);
        // The snapshot in force (GatewayConfiguration): a broken configuration file must not break decisions.
        var target = policies.TargetFor(started.Target);
        var now = clock.GetUtcNow();
        var firstSequence = _state.NextSequence;
        List<ChainedEvent> events = [];

        // A bulk-read threshold needs the planner's estimate, which means sending the statement's
        // text to the target (EXPLAIN, never executed). Invariant 1 says no byte of a statement goes
        // upstream before it is recorded, so what arrived (StatementReceived) is committed first, on its own.
        // (Loops, not LINQ, from here to the append: this runs for every statement, and each closure,
        // iterator and copy showed in what one statement allocates; bench/roundtrip.sh measures it.)
        long?[]? estimates = null;
        List<int>? wanted = null;
        for (var i = 0; i < batch.Count; i++)
        {
            if (HoldConditions.WantsEstimate(batch[i].Statement, subject, policy))
            {
                (wanted ??= []).Add(i);
            }
        }

        var receivedCommitted = false;
        if (wanted is not null)
        {
            estimates = new long?[batch.Count];
            if (!await AppendAsync([.. Completions(completed), .. Received(batch, firstSequence, now)]).ConfigureAwait(true))
            {
                return new(AuditUnavailable(batch));
            }

            receivedCommitted = true;
            foreach (var i in wanted)
            {
                estimates[i] = await EstimateRowsAsync(target, batch[i]).ConfigureAwait(true);
            }
        }

        var production = target?.Production == true;
        // Every target masks something (the built-in masks at least), so every decision is made with the catalog.
        _masking ??= new SessionMasking(grains, subject, clock);
        var catalog = await _masking.CatalogAsync(completed, unsettled).ConfigureAwait(true);
        var decisions = new Decision[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            decisions[i] = Refused(batch[i])
                           ?? PolicyEngine.Decide(batch[i].Statement, subject, policy, catalog, new ConditionFacts(production, estimates?[i]));
        }

        _masking.Apply(batch, decisions, firstSequence, catalog);

        ApplyAllOrNothing(decisions);
        var approval = await HoldAsync(batch, decisions, subject, firstSequence, now, estimates).ConfigureAwait(true);

        for (var i = 0; i < batch.Count; i++)
        {
            decisions[i] = decisions[i] with { Sequence = firstSequence + i };
        }

        if (receivedCommitted)
        {
            events.AddRange(Decided(decisions, now));
        }
        else
        {
            AddDecided(events, batch, decisions, completed, now);
        }

        if (approval is not null)
        {
            events.Add(new ApprovalRequested(SessionId, approval.Id, approval.Requester, approval.Target, approval.Sequences, approval.Rule,
                approval.ApproverGroups, approval.MinApprovals, approval.ExpiresAt, approval.Fingerprint, now)
            {
                EstimatedRows = approval.EstimatedRows.Any(e => e is not null) ? approval.EstimatedRows : null,
            });
        }

        if (approval is null && callerProcess == localCommits.Process)
        {
            // The proxy beside this grain waits for the commit itself (LocalAuditCommits).
            HandChainedToWriter(events);
            Count(decisions, completed);
            return new(decisions, CommitPending: true);
        }

        if (!await AppendAsync(events).ConfigureAwait(true))
        {
            return new(AuditUnavailable(batch));
        }

        Count(decisions, completed);
        return new(approval is null ? decisions : await OpenApprovalAsync(approval, decisions).ConfigureAwait(true));
    }

    public Task RecordApprovalAsync(IReadOnlyList<object> events, string proof) => InTurnAsync(() => RecordApprovalInTurnAsync(events, proof));

    private async Task RecordApprovalInTurnAsync(IReadOnlyList<object> events, string proof)
    {
        var unexpected = events.FirstOrDefault(e => e is not (ApprovalGranted or ApprovalDenied or ApprovalExpired or ApprovalWithdrawn));
        if (unexpected is not null)
        {
            throw new ArgumentException($"not an approval step: {unexpected.GetType().Name}", nameof(events));
        }

        // Only the approval grain records approval steps: nobody else holds the key its proof needs.
        if (!proofs.AreSigned(SessionId, events, proof) || events.Any(e => StepSession(e) != SessionId))
        {
            LogForgedApproval(logger, SessionId);
            throw new UnauthorizedAccessException($"approval steps for session {SessionId} without the approval grain's proof are refused");
        }

        // After SessionEnded too: how a request of this session ended belongs in its record.
        await AppendChainedAsync(events.Cast<ChainedEvent>()).ConfigureAwait(true);
    }

    private static string? StepSession(object step) => step switch
    {
        ApprovalGranted granted => granted.SessionId,
        ApprovalDenied denied => denied.SessionId,
        ApprovalExpired expired => expired.SessionId,
        ApprovalWithdrawn withdrawn => withdrawn.SessionId,
        _ => null,
    };

    /// <summary>A request the proxy could not run as the server would: refused, and recorded as such.</summary>
    private static Decision? Refused(StatementRequest request) =>
        request.Refusal is { } refusal ? Decision.Block(refusal.Rule, refusal.Message, refusal.SqlState) : null;

    /// <summary>
    /// One event per statement, what arrived and its decision together; the outcomes of earlier
    /// statements ride in the first (StatementCompleted events of their own when the batch is empty).
    /// </summary>
    private void AddDecided(List<ChainedEvent> events, IReadOnlyList<StatementRequest> batch, Decision[] decisions,
        IReadOnlyList<StatementOutcome>? completed, DateTimeOffset now)
    {
        if (batch.Count == 0)
        {
            events.AddRange(Completions(completed));
            return;
        }

        CompletedStatement[]? earlier = null;
        if (completed is { Count: > 0 })
        {
            earlier = new CompletedStatement[completed.Count];
            for (var i = 0; i < earlier.Length; i++)
            {
                earlier[i] = CompletedStatement.Of(completed[i]);
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var (request, d) = (batch[i], decisions[i]);
            var s = request.Statement;
            events.Add(new StatementDecided(d.Sequence, request.Phase, s.Sql, s.Kind, s.Kinds, s.Command, s.Fingerprint,
                s.RelationsRead, s.RelationsWritten, s.Functions, s.Columns, request.Parameters, s.ParseError,
                d.Action, d.Rule, d.SqlState, d.Message, d.MaskedColumns, now)
            {
                UsesMaskedColumnInPredicate = d.UsesMaskedColumnInPredicate,
                Completed = i == 0 ? earlier : null,
            });
        }
    }

    /// <summary>The decisions alone, for statements whose arrival was committed before (the plan-estimate path).</summary>
    private IEnumerable<ChainedEvent> Decided(Decision[] decisions, DateTimeOffset now) =>
        decisions.Select(ChainedEvent (d) => new DecisionMade(SessionId, d.Sequence, d.Action, d.Rule, d.SqlState, d.Message, d.MaskedColumns, now)
        {
            UsesMaskedColumnInPredicate = d.UsesMaskedColumnInPredicate,
        });

    private IEnumerable<ChainedEvent> Received(IReadOnlyList<StatementRequest> batch, long firstSequence, DateTimeOffset now) =>
        batch.Select(ChainedEvent (request, i) =>
        {
            var s = request.Statement;
            return new StatementReceived(SessionId, firstSequence + i, request.Phase, s.Sql, s.Kind, s.Kinds, s.Command, s.Fingerprint,
                s.RelationsRead, s.RelationsWritten, s.Functions, s.Columns, request.Parameters, s.ParseError, now);
        });

    /// <summary>Appends to the session's stream; false (logged) when the record cannot be written.</summary>
    private async Task<bool> AppendAsync(List<ChainedEvent> events)
    {
        try
        {
            await AppendChainedAsync(events).ConfigureAwait(true);
        }
        catch (AuditUnavailableException e)
        {
            LogAuditUnavailable(logger, SessionId, e.Message);
            return false;
        }

        return true;
    }

    /// <summary>Every statement of a batch refused because its record could not be written.</summary>
    public static Decision[] AuditUnavailable(IReadOnlyList<StatementRequest> batch) =>
        batch.Select(_ => Decision.Block("audit-unavailable",
            "statement refused: the gateway could not record it in the audit log", AuditUnavailableSqlState)).ToArray();

    public Task EndAsync(string reason, IReadOnlyList<StatementOutcome>? completed = null) => InTurnAsync(() => EndInTurnAsync(reason, completed));

    private async Task EndInTurnAsync(string reason, IReadOnlyList<StatementOutcome>? completed)
    {
        LetProxyGo();
        try
        {
            // Throws AuditUnavailableException when the seal cannot be committed: the proxy tries
            // again later (a seal that committed all the same finds the session ended, and adds nothing).
            await RebuildIfUnknownAsync().ConfigureAwait(true);
            if (_state.Started is not null && !_state.Ended)
            {
                // The seal: SessionEnded's Hash closes the chain.
                var ended = new SessionEnded(SessionId, reason, _state.NextSequence - 1, clock.GetUtcNow());
                var events = Completions(completed);
                events.Add(ended);
                await AppendChainedAsync(events).ConfigureAwait(true);
                Count([], completed);
            }
        }
        catch (AuditUnavailableException e)
        {
            LogAuditUnavailable(logger, SessionId, e.Message);
            throw;
        }
        finally
        {
            DeactivateOnIdle();
        }
    }

    public Task<bool> SealAbandonedAsync(string reason) => InTurnAsync(() => SealAbandonedInTurnAsync(reason));

    private async Task<bool> SealAbandonedInTurnAsync(string reason)
    {
        LetProxyGo();
        // Through the chain like any end: the seal links onto the last event the dead proxy had
        // committed, with the key ratcheted to its position (the state was rebuilt from the stream).
        await RebuildIfUnknownAsync().ConfigureAwait(true);

        if (_state.Started is null || _state.Ended)
        {
            return false;
        }

        await AppendChainedAsync([new SessionEnded(SessionId, reason, _state.NextSequence - 1, clock.GetUtcNow())]).ConfigureAwait(true);
        DeactivateOnIdle();
        return true;
    }

    /// <summary>The metrics of what was just recorded: each decision, and the values masked in the outcomes reported.</summary>
    private void Count(IReadOnlyList<Decision> decisions, IReadOnlyList<StatementOutcome>? completed)
    {
        foreach (var decision in decisions)
        {
            metrics.StatementDecided(DecisionLabel(decision.Action), decision.Rule);
        }

        var masked = 0L;
        for (var i = 0; i < (completed?.Count ?? 0); i++)
        {
            var columns = completed![i].MaskedValues;
            for (var j = 0; j < columns.Count; j++)
            {
                masked += columns[j].Count;
            }
        }

        metrics.ValuesMasked(masked);
    }

    private static string DecisionLabel(PolicyAction action) => action switch
    {
        PolicyAction.Allow => "allow",
        PolicyAction.Mask => "mask",
        PolicyAction.Hold => "hold",
        _ => "block",
    };

    private List<ChainedEvent> Completions(IReadOnlyList<StatementOutcome>? completed) =>
        (completed ?? []).Select(o => (ChainedEvent)new StatementCompleted(SessionId, o.Sequence, o.Kind, o.CommandTag, o.Rows, o.SqlState,
            o.Message, o.At) { MaskedValues = o.MaskedValues, Preview = o.Preview, CopyIn = o.CopyIn }).ToList();

    // Invariant 6: if one statement of a batch is refused, none of it runs. The others are refused
    // too, and the record says which statement and rule caused it. A block wins over a hold: a
    // batch that would be refused anyway is not put to an approver. (Holds: SessionGrain.Holds.cs.)
    private static void ApplyAllOrNothing(Decision[] decisions)
    {
        var refusal = Array.FindIndex(decisions, d => d.Action == PolicyAction.Block);
        if (refusal < 0)
        {
            return;
        }

        var cause = decisions[refusal];
        for (var i = 0; i < decisions.Length; i++)
        {
            if (decisions[i].Action != PolicyAction.Block)
            {
                // The client gets the first refusal of the batch: it says why, with the cause's SQLSTATE.
                decisions[i] = Decision.Block(cause.Rule,
                    $"not run: statement {refusal + 1} of the same batch was refused by rule '{cause.Rule}': {cause.Message}", cause.SqlState ?? Decision.BlockedSqlState);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: approval steps without the approval grain's proof were refused")]
    private static partial void LogForgedApproval(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: audit log unavailable, statements refused: {Reason}")]
    private static partial void LogAuditUnavailable(ILogger logger, string sessionId, string reason);
}
