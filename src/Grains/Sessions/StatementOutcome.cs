namespace OrleansGate.Grains.Sessions;

/// <summary>How a forwarded statement ended upstream.</summary>
public enum OutcomeKind
{
    /// <summary>CommandComplete (or EmptyQueryResponse).</summary>
    Completed,
    /// <summary>PortalSuspended: an Execute with a row limit stopped with rows left.</summary>
    Suspended,
    /// <summary>The server answered with an ErrorResponse.</summary>
    Failed,
    /// <summary>An earlier statement of the same batch failed, so the server skipped this one.</summary>
    NotRun,
    /// <summary>
    /// The client left while it ran and the server did not answer within the gateway's wait: it
    /// may have completed (an autocommit write commits) or not. The message says how long was waited.
    /// </summary>
    Unknown,
}

/// <summary>What became of one forwarded statement, seen in the server's replies.</summary>
[GenerateSerializer, Immutable]
public sealed record StatementOutcome(
    [property: Id(0)] long Sequence,
    [property: Id(1)] OutcomeKind Kind,
    [property: Id(2)] string? CommandTag,
    [property: Id(3)] long? Rows,
    [property: Id(4)] string? SqlState,
    [property: Id(5)] string? Message,
    [property: Id(6)] DateTimeOffset At)
{
    /// <summary>How many values of each result column the gateway masked.</summary>
    [Id(7)] public IReadOnlyList<MaskedValueCount> MaskedValues { get; init; } = [];

    /// <summary>The first rows of the result as the client saw them (after masking), when the policy keeps a preview.</summary>
    [Id(8)] public ResultPreview? Preview { get; init; }

    /// <summary>What a COPY FROM STDIN received from the client, digested (the rows themselves are not recorded).</summary>
    [Id(9)] public CopyInput? CopyIn { get; init; }
}

/// <summary>
/// The data a client sent into COPY FROM STDIN: its size and the SHA-256 of the CopyData payloads
/// in order, so an auditor holding a file can prove it is (or is not) what was loaded.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CopyInput(
    [property: Id(0)] long Bytes,
    [property: Id(1)] long Messages,
    [property: Id(2)] string Sha256,
    [property: Id(3)] bool Failed);

/// <summary>How many values of one result column were masked.</summary>
[GenerateSerializer, Immutable]
public sealed record MaskedValueCount(
    [property: Id(0)] string Column,
    [property: Id(1)] long Count);
