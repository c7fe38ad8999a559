using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Masking;
using OrleansGate.Grains.Policy;

namespace OrleansGate.Grains.Audit.Events;

/// <summary>The decision on the statement with the same sequence number, and the rule that made it.</summary>
public sealed record DecisionMade(
    string SessionId,
    long Sequence,
    PolicyAction Action,
    string Rule,
    string? SqlState,
    string? Message,
    IReadOnlyList<MaskedColumnUse> MaskedColumns,
    DateTimeOffset At) : ChainedEvent
{
    /// <summary>The statement filters, sorts, groups or joins on a masked column (value inference).</summary>
    public bool UsesMaskedColumnInPredicate { get; init; }

    public int SchemaVersion { get; init; } = 1;
}
