using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>A statement arrived and was understood; committed before any byte of it goes upstream.</summary>
public sealed record StatementReceived(
    string SessionId,
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
    DateTimeOffset At) : ChainedEvent
{
    public int SchemaVersion { get; init; } = 1;
}
