using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Sessions;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>
/// A client's login was refused after it gave a credential the gateway checks against an issuer
/// (a token): the only event of its own stream, which it seals. Nothing reached the target.
/// </summary>
public sealed record LoginRefused(
    string SessionId,
    string Identity,
    string Target,
    string? ClientAddress,
    string? ApplicationName,
    bool Tls,
    string Reason,
    DateTimeOffset At) : ChainedEvent
{
    public int SchemaVersion { get; init; } = 1;

    /// <summary>What the refused token claimed (issuer, subject, id, expiry), unverified; null when it could not be read.</summary>
    public LoginToken? Claimed { get; init; }

    /// <summary>The proxy process that refused it.</summary>
    public string? Proxy { get; init; }
}
