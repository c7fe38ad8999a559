namespace OrleansGate.Grains.Catalog;

/// <summary>
/// The masking catalog of one target (keyed by the target's name): which (table OID, attribute
/// number) pairs upstream hold masked values — the configured columns and the columns of views
/// and materialized views computed from them — read from the target's own catalog.
/// </summary>
public interface ICatalogGrain : IGrainWithStringKey
{
    /// <summary>The current catalog; read from upstream on first use and when older than the refresh interval.</summary>
    Task<MaskingCatalog> GetAsync();

    /// <summary>Reads the upstream catalog again now (after DDL seen through the gateway).</summary>
    Task<MaskingCatalog> RefreshAsync();
}
