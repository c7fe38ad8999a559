using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>
/// One approver approved. <see cref="Final"/> when this vote reached the approvals the rule needs:
/// the held statements may then run. With a <see cref="Window"/>, the same statements by the same
/// identity on the same target pass without a new hold until <see cref="WindowUntil"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ApprovalGranted(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string ApprovalId,
    [property: Id(2)] string Approver,
    [property: Id(3)] string? Reason,
    [property: Id(4)] TimeSpan? Window,
    [property: Id(5)] int ApprovalsSoFar,
    [property: Id(6)] bool Final,
    [property: Id(7)] DateTimeOffset At) : ChainedEvent
{
    [Id(8)] public DateTimeOffset? WindowUntil { get; init; }

    [Id(9)] public int SchemaVersion { get; init; } = 1;
}
