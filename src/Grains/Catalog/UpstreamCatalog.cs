namespace OrleansGate.Grains.Catalog;

/// <summary>What one read of a target's catalog found, in a stable order (origins and relations by OID).</summary>
internal sealed record UpstreamCatalog(
    IReadOnlyList<MaskedOrigin> Origins,
    IReadOnlyList<MaskedRelation> Relations,
    IReadOnlyList<string> UserFunctions,
    IReadOnlyList<uint> TextTypes);
