using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>Nobody decided before the request's deadline; the held statements are refused.</summary>
[GenerateSerializer, Immutable]
public sealed record ApprovalExpired(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string ApprovalId,
    [property: Id(2)] DateTimeOffset ExpiresAt,
    [property: Id(3)] int ApprovalsSoFar,
    [property: Id(4)] DateTimeOffset At) : ChainedEvent
{
    [Id(5)] public int SchemaVersion { get; init; } = 1;
}
