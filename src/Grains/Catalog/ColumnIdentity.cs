namespace OrleansGate.Grains.Catalog;

/// <summary>A column as PostgreSQL identifies it for good: its relation's OID and its attribute number (names change, these do not).</summary>
internal readonly record struct ColumnIdentity(uint TableOid, short AttributeNumber);
