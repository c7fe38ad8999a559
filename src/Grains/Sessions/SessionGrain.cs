using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Masking;
using OrleansGate.Grains.Policy;

namespace OrleansGate.Grains.Sessions;

/// <summary>
/// The decision point of one session. Its state is a fold of its own audit stream, so when it is
/// reactivated (on this silo or another) it rebuilds itself from the record and numbering
/// continues without a gap.
/// </summary>
public sealed partial class SessionGrain(IAuditLog audit, PolicyStore policies, TimeProvider clock,
    ILogger<SessionGrain> logger) : Grain, ISessionGrain
{
    /// <summary>
    /// SQLSTATE 55000 object_not_in_prerequisite_state: the statement did not run because its
    /// prerequisite, the audit record, could not be written. (Class 58 would fit too, but drivers
    /// such as Npgsql drop the whole connection on it; the session must stay usable.)
    /// </summary>
    public const string AuditUnavailableSqlState = "55000";

    private SessionState _state = SessionState.Empty;
    private SessionMasking? _masking;

    private string SessionId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var events = await audit.ReadStreamAsync(SessionId, cancellationToken).ConfigureAwait(true);
        _state = events.Aggregate(SessionState.Empty, SessionState.Apply);
    }

    public async Task StartAsync(SessionStart start)
    {
        if (_state.Started is not null)
        {
            return;
        }

        var started = new SessionStarted(SessionId, start.Identity, start.Groups, start.Target, start.ClientAddress,
            start.ApplicationName, start.Tls, clock.GetUtcNow());
        await audit.AppendAsync(SessionId, [started]).ConfigureAwait(true);
        _state = SessionState.Apply(_state, started);
    }

    public async Task<IReadOnlyList<Decision>> DecideAsync(IReadOnlyList<StatementRequest> batch, IReadOnlyList<StatementOutcome>? completed = null,
        bool unsettled = false)
    {
        if (_state.Started is not { } started || _state.Ended)
        {
            return batch.Select(_ => Decision.Block("session-not-open", "the session is not open")).ToArray();
        }

        var subject = new SessionSubject(started.Identity, started.Groups, started.Target);
        var policy = policies.PolicyFor(started.Target);
        Decision[] decisions;
        if (policy is { Masks.Count: > 0 })
        {
            _masking ??= new SessionMasking(GrainFactory, subject, clock);
            var catalog = await _masking.CatalogAsync(completed, unsettled).ConfigureAwait(true);
            decisions = batch.Select(request => PolicyEngine.Decide(request.Statement, subject, policy, catalog)).ToArray();
            _masking.Apply(batch, decisions, catalog);
        }
        else
        {
            decisions = batch.Select(request => PolicyEngine.Decide(request.Statement, subject, policy)).ToArray();
        }

        ApplyAllOrNothing(decisions);

        var now = clock.GetUtcNow();
        var events = Completions(completed);
        var sequence = _state.NextSequence;
        for (var i = 0; i < batch.Count; i++, sequence++)
        {
            var s = batch[i].Statement;
            var d = decisions[i] = decisions[i] with { Sequence = sequence };
            events.Add(new StatementReceived(SessionId, sequence, batch[i].Phase, s.Sql, s.Kind, s.Kinds, s.Command, s.Fingerprint,
                s.RelationsRead, s.RelationsWritten, s.Functions, s.Columns, batch[i].Parameters, s.ParseError, now));
            events.Add(new DecisionMade(SessionId, sequence, d.Action, d.Rule, d.SqlState, d.Message, d.MaskedColumns, now)
            {
                UsesMaskedColumnInPredicate = d.UsesMaskedColumnInPredicate,
            });
        }

        try
        {
            await audit.AppendAsync(SessionId, events).ConfigureAwait(true);
        }
        catch (AuditUnavailableException e)
        {
            LogAuditUnavailable(logger, SessionId, e.Message);
            return batch.Select(_ => Decision.Block("audit-unavailable",
                "statement refused: the gateway could not record it in the audit log", AuditUnavailableSqlState)).ToArray();
        }

        _state = events.Aggregate(_state, SessionState.Apply);
        return decisions;
    }

    public async Task EndAsync(string reason, IReadOnlyList<StatementOutcome>? completed = null)
    {
        if (_state.Started is not null && !_state.Ended)
        {
            var ended = new SessionEnded(SessionId, reason, _state.NextSequence - 1, clock.GetUtcNow());
            var events = Completions(completed);
            events.Add(ended);
            try
            {
                await audit.AppendAsync(SessionId, events).ConfigureAwait(true);
                _state = SessionState.Apply(_state, ended);
            }
            catch (AuditUnavailableException e)
            {
                LogAuditUnavailable(logger, SessionId, e.Message);
            }
        }

        DeactivateOnIdle();
    }

    private List<object> Completions(IReadOnlyList<StatementOutcome>? completed) =>
        (completed ?? []).Select(o => (object)new StatementCompleted(SessionId, o.Sequence, o.Kind, o.CommandTag, o.Rows, o.SqlState,
            o.Message, o.At) { MaskedValues = o.MaskedValues }).ToList();

    // Invariant 6: if one statement of a batch is refused, none of it runs. The others are refused
    // too, and the record says which statement and rule caused it.
    private static void ApplyAllOrNothing(Decision[] decisions)
    {
        var refusal = Array.FindIndex(decisions, d => d.Refuses);
        if (refusal < 0)
        {
            return;
        }

        var cause = decisions[refusal];
        for (var i = 0; i < decisions.Length; i++)
        {
            if (!decisions[i].Refuses)
            {
                decisions[i] = Decision.Block(cause.Rule,
                    $"not run: statement {refusal + 1} of the same batch was refused by rule '{cause.Rule}'");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: audit log unavailable, statements refused: {Reason}")]
    private static partial void LogAuditUnavailable(ILogger logger, string sessionId, string reason);
}
