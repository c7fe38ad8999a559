using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>An approver denied the request; the held statements are refused with this reason.</summary>
[GenerateSerializer, Immutable]
public sealed record ApprovalDenied(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string ApprovalId,
    [property: Id(2)] string Approver,
    [property: Id(3)] string Reason,
    [property: Id(4)] DateTimeOffset At) : ChainedEvent
{
    [Id(5)] public int SchemaVersion { get; init; } = 1;
}
