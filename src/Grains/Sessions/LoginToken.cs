namespace OrleansGate.Grains.Sessions;

/// <summary>
/// The token a client logged in with (OIDC, docs/identities.md): who issued it, whom it names,
/// its id and when it expires. In a LoginRefused these are what the token claimed, unverified.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LoginToken(
    [property: Id(0)] string? Issuer,
    [property: Id(1)] string? Subject,
    [property: Id(2)] string? TokenId,
    [property: Id(3)] DateTimeOffset? ExpiresAt);
