using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>A client logged in and its upstream session opened. First event of every session stream.</summary>
public sealed record SessionStarted(
    string SessionId,
    string Identity,
    IReadOnlyList<string> Groups,
    string Target,
    string? ClientAddress,
    string? ApplicationName,
    bool Tls,
    DateTimeOffset At) : ChainedEvent
{
    /// <summary>2 added <see cref="Proxy"/>; version 1 records have none.</summary>
    public int SchemaVersion { get; init; } = 2;

    /// <summary>
    /// The proxy process that held the client connection (hostname/pid/random, as the session
    /// directory knows it). The sweeper seals the session with a "failure:" SessionEnded once this
    /// proxy is gone without having ended it. Null in version 1 records (never swept).
    /// </summary>
    public string? Proxy { get; init; }

    /// <summary>The token the client logged in with (issuer, subject, id, expiry); null for a configured identity.</summary>
    public Sessions.LoginToken? Token { get; init; }
}
