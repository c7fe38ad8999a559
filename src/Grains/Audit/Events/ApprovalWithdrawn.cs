using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>The client cancelled or went away before anyone decided; the held statements never ran.</summary>
[GenerateSerializer, Immutable]
public sealed record ApprovalWithdrawn(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string ApprovalId,
    [property: Id(2)] string Reason,
    [property: Id(3)] DateTimeOffset At) : ChainedEvent
{
    [Id(4)] public int SchemaVersion { get; init; } = 1;
}
