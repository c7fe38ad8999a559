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
    public int SchemaVersion { get; init; } = 1;
}
