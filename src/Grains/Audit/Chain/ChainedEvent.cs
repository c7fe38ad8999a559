namespace OrleansGate.Grains.Audit.Chain;

/// <summary>
/// What every event of a session stream carries so the stream is tamper-evident (invariant 5,
/// docs/audit-integrity.md): its 1-based <see cref="Position"/> in the stream and its own
/// Hash = HMAC-SHA256(k_Position, canonical bytes ‖ bytes of the previous event's Hash).
/// Filled in by the session grain right before the append (<see cref="AuditChain"/>), never by
/// whoever creates the event.
/// </summary>
/// <remarks>
/// The previous hash is an input of the HMAC, not a stored field: it is the Hash of the event
/// before in the same stream, which verify reads there. Records written by releases up to 2026-12-07 also
/// store it, as <c>PrevHash</c>; verify checks it where it is.
/// </remarks>
[GenerateSerializer]
public abstract record ChainedEvent
{
    /// <summary>1-based number of the event in its session stream; 0 until the session grain chains it.</summary>
    [Id(0)] public long Position { get; init; }

    /// <summary>Hex of HMAC-SHA256(k_Position, canonical bytes of this event ‖ bytes of the previous event's Hash).</summary>
    [Id(2)] public string? Hash { get; init; }

    /// <summary>The name of the stored field that records written by releases up to 2026-12-07 carry: the previous event's Hash.</summary>
    public const string StoredPrevHash = "PrevHash";
}
