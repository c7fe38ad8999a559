namespace OrleansGate.Grains.Audit.Verification;

/// <summary>What kind of break a failed session shows at its first broken link (docs/audit-integrity.md).</summary>
public static class BreakKind
{
    /// <summary>An event's hash does not verify where it stands (positions intact): its content was changed.</summary>
    public const string Modified = "modified";

    /// <summary>A position is missing from the chain (or the whole stream is gone).</summary>
    public const string Deleted = "deleted";

    /// <summary>An event that does not belong: its hash does not verify and its position is taken or does not fit, or a duplicate.</summary>
    public const string Inserted = "inserted";

    /// <summary>Every event verifies, but their stream order is not their chain order.</summary>
    public const string Reordered = "reordered";

    /// <summary>The stream ends before it should: mt_streams or the exported heads say it went further.</summary>
    public const string Truncated = "truncated";

    /// <summary>The session ended (its last events are the ones only the end writes, or the heads saw it sealed) but its seal is gone.</summary>
    public const string MissingSeal = "missing-seal";

    /// <summary>The chain verifies, but not at the head exported earlier: rewritten by someone holding the key.</summary>
    public const string Rewritten = "rewritten";

    /// <summary>An event without Position or Hash: written before the chain existed, or by something other than the gateway.</summary>
    public const string Unchained = "unchained";

    /// <summary>
    /// An event or stream marked archived (the gateway never archives): Marten's reads, and so the
    /// tool's timelines, replays and exports, skip it while its chain still verifies.
    /// </summary>
    public const string Hidden = "hidden";
}

/// <summary>How a session's record stands.</summary>
public static class SessionStatus
{
    /// <summary>Sealed by SessionEnded; every link verifies.</summary>
    public const string Sealed = "sealed";

    /// <summary>Sealed by a SessionEnded whose reason starts with "failure:" (the session was cut); every link verifies.</summary>
    public const string EndedByFailure = "ended by failure";

    /// <summary>No seal, last event older than the staleness limit: most likely a gateway crash (or a clean truncation; see the docs).</summary>
    public const string Unsealed = "ended by failure (unsealed)";

    /// <summary>No seal yet, last event recent: a session still running (or just cut).</summary>
    public const string Open = "open";

    /// <summary>A gateway's policy stream: every link verifies; it is never sealed.</summary>
    public const string PolicyLedger = "policy ledger";

    /// <summary>A broken link; see the kind and position.</summary>
    public const string Tampered = "tampered";
}

/// <summary>The verdict on one session: where its chain ends and, when it failed, the first broken link.</summary>
public sealed record SessionVerdict(
    string SessionId,
    string Status,
    long Events,
    long LastPosition,
    string? LastHash,
    bool Sealed,
    string? Kind = null,
    long? Position = null,
    string? Detail = null)
{
    public bool Failed => Kind is not null;

    /// <summary>A stale unsealed session fails too when the operator asked for every session to be sealed.</summary>
    public static SessionVerdict Broken(string sessionId, long events, string kind, long? position, string detail) =>
        new(sessionId, SessionStatus.Tampered, events, 0, null, false, kind, position, detail);
}
