using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>
/// A request (the statements with these sequence numbers) is held for approval. Written by the
/// session in the same commit as the Hold decisions, so no held statement is without its request.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ApprovalRequested(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string ApprovalId,
    [property: Id(2)] string Requester,
    [property: Id(3)] string Target,
    [property: Id(4)] IReadOnlyList<long> Sequences,
    [property: Id(5)] string Rule,
    [property: Id(6)] IReadOnlyList<string> ApproverGroups,
    [property: Id(7)] int MinApprovals,
    [property: Id(8)] DateTimeOffset ExpiresAt,
    [property: Id(9)] string Fingerprint,
    [property: Id(10)] DateTimeOffset At) : ChainedEvent
{
    [Id(11)] public int SchemaVersion { get; init; } = 1;

    /// <summary>What the approvers were shown of the planner's row estimates (<see cref="Approvals.ApprovalRequest.EstimatedRows"/>); null when there were none (and in records written before it).</summary>
    [Id(12)] public IReadOnlyList<long?>? EstimatedRows { get; init; }
}
