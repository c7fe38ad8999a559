namespace OrleansGate.Grains.Catalog;

/// <summary>How often the catalog grains re-read their target's catalog (<c>OrleansGate:Catalog</c>).</summary>
public sealed class CatalogOptions
{
    public const string Section = "OrleansGate:Catalog";

    /// <summary>A snapshot older than this is read again: DDL run outside the gateway shows up within it.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>After a failed read (the snapshot has an Error) the next try comes this soon.</summary>
    public TimeSpan ErrorRetryInterval { get; set; } = TimeSpan.FromSeconds(5);
}
