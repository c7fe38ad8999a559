namespace OrleansGate.Grains.Catalog;

/// <summary>What one read of a target's catalog found, in a stable order (origins and relations by OID).</summary>
internal sealed record UpstreamCatalog(
    IReadOnlyList<MaskedOrigin> Origins,
    IReadOnlyList<MaskedRelation> Relations,
    IReadOnlyList<CatalogFunction> Functions,
    IReadOnlyList<string> UserOperators,
    IReadOnlyList<uint> TextTypes)
{
    /// <summary>Functions and procedures users wrote: outside pg_catalog and information_schema, not an extension's (<c>schema.name</c>).</summary>
    public IReadOnlyList<string> UserFunctions { get; } = Functions
        .Where(f => !UpstreamCatalogReader.IsServerSchema(f.Schema) && !f.Extension)
        .Select(f => f.Schema + "." + f.Name)
        .ToArray();
}
