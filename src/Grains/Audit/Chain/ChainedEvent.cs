namespace OrleansGate.Grains.Audit.Chain;

/// <summary>
/// What every event of a session stream carries so the stream is tamper-evident (invariant 5,
/// docs/audit-integrity.md): its 1-based <see cref="Position"/> in the stream, the previous
/// event's <see cref="Hash"/>, and its own Hash = HMAC-SHA256(k_Position, canonical bytes ‖ PrevHash).
/// Filled in by the session grain right before the append (<see cref="AuditChain"/>), never by
/// whoever creates the event.
/// </summary>
[GenerateSerializer]
public abstract record ChainedEvent
{
    /// <summary>1-based number of the event in its session stream; 0 until the session grain chains it.</summary>
    [Id(0)] public long Position { get; init; }

    /// <summary>Hex of the previous event's Hash; 64 zeros for the first event of the stream.</summary>
    [Id(1)] public string? PrevHash { get; init; }

    /// <summary>Hex of HMAC-SHA256(k_Position, canonical bytes of this event ‖ PrevHash bytes).</summary>
    [Id(2)] public string? Hash { get; init; }
}
