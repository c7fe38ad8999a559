namespace OrleansGate.Grains.Audit.Chain;

/// <summary>
/// The list is written without its value when it holds exactly the value of the named property of
/// the same event (<see cref="ChainCanonical.JsonOf"/>): a statement's kinds, when its only kind is
/// its kind. The event reads an absent key back as that one value, so the object in memory always
/// holds the whole list. Verify is unaffected: it computes the canonical form from what was stored.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class LeavesOutWhenOnlyAttribute(string property) : Attribute
{
    public string Property { get; } = property;
}
