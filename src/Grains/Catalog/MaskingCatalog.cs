namespace OrleansGate.Grains.Catalog;

/// <summary>
/// A snapshot of what is masked on one target. Immutable; a new snapshot gets a higher
/// <see cref="Version"/>. When the upstream catalog could not be read, <see cref="Error"/> says why
/// and masking fails closed (statements that return rows are refused).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MaskingCatalog
{
    /// <summary>Increases with every snapshot that differs from the previous one.</summary>
    [Id(0)] public long Version { get; init; }

    /// <summary>The policy's masks, in configuration order; <see cref="MaskedOrigin.Rule"/> indexes this list.</summary>
    [Id(1)] public IReadOnlyList<MaskRule> Rules { get; init; } = [];

    /// <summary>Every (table OID, attribute number) whose values are masked.</summary>
    [Id(2)] public IReadOnlyList<MaskedOrigin> Origins { get; init; } = [];

    /// <summary>Tables with a masked column, and views / materialized views computed from one.</summary>
    [Id(3)] public IReadOnlyList<MaskedRelation> Relations { get; init; } = [];

    /// <summary>
    /// Functions and procedures users wrote (outside pg_catalog and information_schema, not
    /// installed by an extension), as <c>schema.name</c>: their bodies may read masked columns
    /// where the gateway cannot see.
    /// </summary>
    [Id(4)] public IReadOnlyList<string> UserFunctions { get; init; } = [];

    /// <summary>
    /// Types without a fixed OID whose values are text — citext, and domains over text, varchar,
    /// bpchar, name or citext: masked as text rather than given a placeholder.
    /// </summary>
    [Id(7)] public IReadOnlyList<uint> TextTypes { get; init; } = [];

    /// <summary>
    /// Every function the target has, by schema and name (overloads folded: volatile when any
    /// overload is). The server's own (pg_catalog, information_schema) compute only from their
    /// arguments; a name not listed here is not proven to be one of them.
    /// </summary>
    [Id(8)] public IReadOnlyList<CatalogFunction> Functions { get; init; } = [];

    /// <summary>Operators users defined (not the server's or an extension's): the function behind one may read anything.</summary>
    [Id(9)] public IReadOnlyList<string> UserOperators { get; init; } = [];

    /// <summary>Why the upstream catalog could not be read; null when it was.</summary>
    [Id(5)] public string? Error { get; init; }

    [Id(6)] public DateTimeOffset LoadedAt { get; init; }

    /// <summary>A catalog for a target whose policy masks nothing.</summary>
    public static MaskingCatalog Empty { get; } = new();

    /// <summary>The catalog without the origins of masks that one of <paramref name="groups"/> sees in clear.</summary>
    public MaskingCatalog ExemptFor(IReadOnlyList<string> groups)
    {
        var exempt = Rules.Select(r => r.IsUnmaskedFor(groups)).ToArray();
        return exempt.Any(e => e) ? this with { Origins = Origins.Where(o => o.Rule < 0 || !exempt[o.Rule]).ToArray() } : this;
    }

    /// <summary>Nothing to mask and nothing unknown.</summary>
    public bool IsEmpty => Rules.Count == 0 && Error is null;

    /// <summary>The rule an origin is masked with: one of <see cref="Rules"/>, or <see cref="MaskRule.Derived"/>.</summary>
    public MaskRule RuleFor(MaskedOrigin origin) =>
        origin.Rule >= 0 && origin.Rule < Rules.Count ? Rules[origin.Rule] : MaskRule.Derived;
}

/// <summary>One masked column upstream, identified as PostgreSQL's RowDescription names a column's origin.</summary>
[GenerateSerializer, Immutable]
public sealed record MaskedOrigin(
    [property: Id(0)] uint TableOid,
    [property: Id(1)] short AttributeNumber,
    /// <summary>Index into <see cref="MaskingCatalog.Rules"/>, or <see cref="DerivedRule"/>.</summary>
    [property: Id(2)] int Rule,
    /// <summary>The column's current name, <c>schema.relation.column</c>.</summary>
    [property: Id(3)] string Name,
    /// <summary>A view's or materialized view's column computed from the masked column (not the column itself).</summary>
    [property: Id(4)] bool Derived)
{
    /// <summary>
    /// <see cref="Rule"/> of a view column computed from masked columns of different rules: it is
    /// masked with <see cref="MaskRule.Derived"/>, which is not one of the configured rules.
    /// </summary>
    public const int DerivedRule = -1;
}

/// <summary>A relation that holds or exposes masked values.</summary>
[GenerateSerializer, Immutable]
public sealed record MaskedRelation(
    [property: Id(0)] uint Oid,
    [property: Id(1)] string Schema,
    [property: Id(2)] string Name,
    /// <summary>pg_class.relkind: <c>r</c> table, <c>p</c> partitioned table, <c>v</c> view, <c>m</c> materialized view, <c>f</c> foreign table.</summary>
    [property: Id(3)] char Kind,
    /// <summary>Column names in attribute-number order (dropped columns left out), as COPY of the whole relation writes them.</summary>
    [property: Id(4)] IReadOnlyList<string> Columns,
    /// <summary>Attribute numbers of <see cref="Columns"/>, in the same order.</summary>
    [property: Id(5)] IReadOnlyList<short> AttributeNumbers);

/// <summary>One function name of the target (its overloads folded together).</summary>
[GenerateSerializer, Immutable]
public sealed record CatalogFunction(
    [property: Id(0)] string Schema,
    [property: Id(1)] string Name,
    /// <summary>pg_proc.provolatile is 'v' for at least one overload: the function may change something.</summary>
    [property: Id(2)] bool Volatile)
{
    /// <summary>Every overload was installed by an extension: packaged code, trusted as the server's own (the ones that read raw storage are blocked by built-in rules).</summary>
    [Id(3)] public bool Extension { get; init; }
}
