namespace OrleansGate.Grains.Audit.Chain;

/// <summary>
/// An event linked onto its session's chain and the JSON stored for it: the canonical JSON whose
/// bytes were hashed, with Hash added, so each event is serialised once.
/// </summary>
public sealed record LinkedEvent(ChainedEvent Event, string Json)
{
    /// <summary>An event whose chain fields are already set (imports, tests), serialised the same way.</summary>
    public static LinkedEvent Of(ChainedEvent e) => new(e, ChainCanonical.StoredJson(e));
}
