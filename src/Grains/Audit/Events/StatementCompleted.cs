using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Sessions;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>
/// How the statement with this sequence number ended upstream (after it ran). Recorded with the
/// session's next commit — the next decision or the session's end — so it costs no commit of its own.
/// </summary>
public sealed record StatementCompleted(
    string SessionId,
    long Sequence,
    OutcomeKind Outcome,
    string? CommandTag,
    long? Rows,
    string? SqlState,
    string? Message,
    DateTimeOffset At) : ChainedEvent
{
    /// <summary>How many values of each result column were masked on the way to the client.</summary>
    public IReadOnlyList<MaskedValueCount> MaskedValues { get; init; } = [];

    /// <summary>The first rows of the result as the client saw them (policy <c>ResultPreviewRows</c>); null when off or no rows.</summary>
    public ResultPreview? Preview { get; init; }

    /// <summary>For COPY FROM STDIN: the size and SHA-256 of the data the client sent (CopyFail: <c>Failed</c>).</summary>
    public CopyInput? CopyIn { get; init; }

    public int SchemaVersion { get; init; } = 1;
}
