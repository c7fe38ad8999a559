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
    IReadOnlyList<string> MaskedColumns,
    DateTimeOffset At)
{
    public int SchemaVersion { get; init; } = 1;
}
