using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Masking;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>
/// A statement arrived, was understood and decided: what <see cref="StatementReceived"/> and
/// <see cref="DecisionMade"/> say, in one event committed before any byte of it goes upstream.
/// <see cref="Completed"/> carries how earlier statements ended, when they ended since the
/// session's previous commit: the outcomes travel with the next decision (as they always did),
/// so a statement costs one row of the record instead of three.
/// </summary>
/// <remarks>
/// One is written per statement, so it leaves out what the row already says or what adds nothing:
/// the session's id (the row's stream id; the chain's key is derived from it, so a row moved to
/// another stream does not verify), a schema version, <see cref="Kinds"/> when the statement's only
/// kind is <see cref="Kind"/>, and every empty list and false flag (<see cref="LeavesOutEmptyAttribute"/>).
/// Rows written by releases up to 2026-12-07 have the session's id and a schema version: readers ignore them.
/// Records written before this event have the three separate events, and the two-step path
/// (a plan estimate needs the statement's text upstream before the decision, so what arrived
/// is committed first on its own) still writes them. Readers take both shapes through
/// <see cref="AuditFacts.Of"/>.
/// </remarks>
[LeavesOutEmpty]
public sealed record StatementDecided(
    long Sequence,
    StatementPhase Phase,
    string Sql,
    StatementKind Kind,
    IReadOnlyList<StatementKind> Kinds,
    string Command,
    string Fingerprint,
    IReadOnlyList<string> RelationsRead,
    IReadOnlyList<string> RelationsWritten,
    IReadOnlyList<string> Functions,
    IReadOnlyList<string> Columns,
    IReadOnlyList<string?> Parameters,
    string? ParseError,
    PolicyAction Action,
    string Rule,
    string? SqlState,
    string? Message,
    IReadOnlyList<MaskedColumnUse> MaskedColumns,
    DateTimeOffset At) : ChainedEvent
{
    /// <summary>The kinds of every statement in the query; stored only when there is more than <see cref="Kind"/>, read back whole.</summary>
    [LeavesOutWhenOnly(nameof(Kind))]
    public IReadOnlyList<StatementKind> Kinds { get; init; } = Kinds is null or { Count: 0 } ? [Kind] : Kinds;

    // Stored without its empty lists (LeavesOutEmpty): an absent key reads as empty.

    public IReadOnlyList<string> RelationsRead { get; init; } = RelationsRead ?? [];

    public IReadOnlyList<string> RelationsWritten { get; init; } = RelationsWritten ?? [];

    public IReadOnlyList<string> Functions { get; init; } = Functions ?? [];

    public IReadOnlyList<string> Columns { get; init; } = Columns ?? [];

    public IReadOnlyList<string?> Parameters { get; init; } = Parameters ?? [];

    public IReadOnlyList<MaskedColumnUse> MaskedColumns { get; init; } = MaskedColumns ?? [];

    /// <summary>The statement filters, sorts, groups or joins on a masked column (value inference).</summary>
    public bool UsesMaskedColumnInPredicate { get; init; }

    /// <summary>How earlier statements of the session ended upstream; null (not stored) when none did since the last commit.</summary>
    public IReadOnlyList<CompletedStatement>? Completed { get; init; }

    /// <summary>What arrived, as the separate event says it, in that session.</summary>
    public StatementReceived AsReceived(string sessionId) => new(sessionId, Sequence, Phase, Sql, Kind, Kinds, Command, Fingerprint, RelationsRead,
        RelationsWritten, Functions, Columns, Parameters, ParseError, At);

    /// <summary>The decision, as the separate event says it, in that session.</summary>
    public DecisionMade AsDecision(string sessionId) => new(sessionId, Sequence, Action, Rule, SqlState, Message, MaskedColumns, At)
    {
        UsesMaskedColumnInPredicate = UsesMaskedColumnInPredicate,
    };
}

/// <summary>How one earlier statement ended upstream: a <see cref="StatementCompleted"/> carried inside the next decision.</summary>
public sealed record CompletedStatement(
    long Sequence,
    OutcomeKind Outcome,
    string? CommandTag,
    long? Rows,
    string? SqlState,
    string? Message,
    DateTimeOffset At)
{
    /// <summary>How many values of each result column were masked on the way to the client; null (not stored) when none were.</summary>
    public IReadOnlyList<MaskedValueCount>? MaskedValues { get; init; }

    public ResultPreview? Preview { get; init; }

    public CopyInput? CopyIn { get; init; }

    public static CompletedStatement Of(StatementOutcome o) => new(o.Sequence, o.Kind, o.CommandTag, o.Rows, o.SqlState, o.Message, o.At)
    {
        MaskedValues = o.MaskedValues.Count > 0 ? o.MaskedValues : null,
        Preview = o.Preview,
        CopyIn = o.CopyIn,
    };

    /// <summary>The outcome as the separate event says it, in that session.</summary>
    public StatementCompleted For(string sessionId) => new(sessionId, Sequence, Outcome, CommandTag, Rows, SqlState, Message, At)
    {
        MaskedValues = MaskedValues ?? [],
        Preview = Preview,
        CopyIn = CopyIn,
    };
}
