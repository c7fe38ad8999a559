namespace OrleansGate.Grains.Audit.Chain;

/// <summary>
/// The event is written without its empty lists and false flags (<see cref="ChainCanonical.JsonOf"/>):
/// for an event written once per statement, the keys of what did not happen are most of its bytes.
/// Its list properties read an absent key as empty. Verify is unaffected: it computes the canonical
/// form from what was stored, and absent keys are absent there too. On a property, only that
/// property is left out when empty or false.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, Inherited = false)]
public sealed class LeavesOutEmptyAttribute : Attribute;
