using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>
/// A policy version was recorded and is in force from now on (docs/policies.md#versions): an edit
/// from the console or the API, a rollback, or the configuration file's policies (version 1, and
/// later changes of the file). The events of one gateway form a stream of their own,
/// <c>policies:&lt;service id&gt;</c>, chained like a session's but never sealed: it goes on for as
/// long as the gateway does.
/// </summary>
/// <param name="Stream">The stream it belongs to (<see cref="StreamOf"/>).</param>
/// <param name="Version">The version recorded.</param>
/// <param name="BasedOn">The version the author edited (the newest one, or the edit would have been refused); null for version 1.</param>
/// <param name="RestoredFrom">For a rollback: the version whose content it restores.</param>
/// <param name="Author">The identity that made the change, or <c>file</c>.</param>
/// <param name="Changes">What changed from <paramref name="BasedOn"/>, one readable line each (<c>PolicyDiff</c>).</param>
/// <param name="DocumentSha256">Hex SHA-256 of the stored document's UTF-8 text, which ties this event to the stored row.</param>
public sealed record PolicyVersionRecorded(
    string Stream,
    int Version,
    int? BasedOn,
    int? RestoredFrom,
    string Author,
    string Reason,
    IReadOnlyList<string> Changes,
    string DocumentSha256,
    DateTimeOffset At) : ChainedEvent
{
    public int SchemaVersion { get; init; } = 1;

    public const string StreamPrefix = "policies:";

    /// <summary>The policy stream of the gateway with this <c>Cluster:ServiceId</c>.</summary>
    public static string StreamOf(string serviceId) => StreamPrefix + serviceId;
}
