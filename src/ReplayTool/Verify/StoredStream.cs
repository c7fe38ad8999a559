namespace OrleansGate.ReplayTool.Verify;

/// <summary>One row of Marten's <c>mt_events</c>, as it is in the database: nothing here is trusted.</summary>
public sealed record StoredEvent(long Version, long SeqId, string Type, string Data, DateTimeOffset? Timestamp);

/// <summary>
/// A session stream: its rows in stream version order, and the version <c>mt_streams</c> says the
/// stream has (null when that row is missing).
/// </summary>
public sealed record StoredStream(string SessionId, IReadOnlyList<StoredEvent> Events, long? StreamVersion);
