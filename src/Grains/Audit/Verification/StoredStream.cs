namespace OrleansGate.Grains.Audit.Verification;

/// <summary>
/// One row of Marten's <c>mt_events</c>, as it is in the database: nothing here is trusted. Only
/// <see cref="Data"/> is chained; <see cref="DotnetType"/> and <see cref="Archived"/> change what
/// Marten (and so every other command of the tool) reads, so verify checks them too.
/// </summary>
public sealed record StoredEvent(long Version, long SeqId, string Type, string Data, string? DotnetType = null, bool Archived = false);

/// <summary>
/// A session stream: its rows in stream version order, the version <c>mt_streams</c> says the
/// stream has (null when that row is missing) and whether that row is marked archived.
/// </summary>
public sealed record StoredStream(string SessionId, IReadOnlyList<StoredEvent> Events, long? StreamVersion, bool Archived = false);
