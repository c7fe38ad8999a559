namespace OrleansGate.Grains.Statements.Shapes;

/// <summary>
/// What one query level reads and computes, taken from PostgreSQL's parse tree without the
/// catalog: its FROM items with their aliases and alias column lists, its result columns, the
/// expressions that only decide which rows come back, and what a write stores. The decision side
/// (<c>LineageResolver</c>) resolves every name in it against the target's catalog, the way the
/// server's parse analysis does (<c>parser/parse_relation.c</c>, <c>parse_target.c</c>), to tell
/// which result columns carry masked values.
/// </summary>
/// <remarks>
/// A SELECT, VALUES, set operation, INSERT, UPDATE, DELETE and MERGE all become one of these. For
/// a write, <see cref="From"/> starts with the written relation and <see cref="Outputs"/> is its
/// RETURNING list.
/// </remarks>
[GenerateSerializer, Immutable]
public sealed record QueryShape
{
    /// <summary>WITH: common table expressions, visible to this level and those below it.</summary>
    [Id(0)] public IReadOnlyList<CommonTable> With { get; init; } = [];

    /// <summary>WITH RECURSIVE: a CTE may read itself (and the later ones).</summary>
    [Id(1)] public bool RecursiveWith { get; init; }

    /// <summary>The FROM list (for a write: the written relation first, then FROM / USING / MERGE's source).</summary>
    [Id(2)] public IReadOnlyList<FromItem> From { get; init; } = [];

    /// <summary>The result columns in order (the target list, or RETURNING); a star expands to many.</summary>
    [Id(3)] public IReadOnlyList<OutputItem> Outputs { get; init; } = [];

    /// <summary>
    /// Expressions that decide which rows come back, how many, in what order or grouping: WHERE,
    /// HAVING, JOIN conditions are on their join, GROUP BY, DISTINCT ON, windows, LIMIT/OFFSET,
    /// MERGE's conditions. Not part of any result value.
    /// </summary>
    [Id(4)] public IReadOnlyList<ValueShape> Filters { get; init; } = [];

    /// <summary>ORDER BY / GROUP BY items, which may name a result column by its name or position.</summary>
    [Id(5)] public IReadOnlyList<ValueShape> SortOrGroup { get; init; } = [];

    /// <summary>Positions (1-based) of result columns ORDER BY / GROUP BY names by number.</summary>
    [Id(6)] public IReadOnlyList<int> SortOrGroupPositions { get; init; } = [];

    /// <summary>UNION / INTERSECT / EXCEPT: the result columns are those of both sides, by position.</summary>
    [Id(7)] public SetOperation? SetOperation { get; init; }

    /// <summary>VALUES (…), (…): each row's values; result column i is every row's value i.</summary>
    [Id(8)] public IReadOnlyList<IReadOnlyList<ValueShape>> ValuesRows { get; init; } = [];

    /// <summary>The values a write stores: UPDATE's SET, INSERT's VALUES or ON CONFLICT SET, MERGE's actions.</summary>
    [Id(9)] public IReadOnlyList<ValueShape> Written { get; init; } = [];

    /// <summary>INSERT … SELECT / VALUES: the query whose result columns are stored (it does not see the written relation).</summary>
    [Id(10)] public QueryShape? InsertSource { get; init; }

    /// <summary>FOR UPDATE / FOR SHARE: the query locks the rows it reads.</summary>
    [Id(11)] public bool LocksRows { get; init; }

    /// <summary>An empty query level (a utility statement's missing query).</summary>
    public static QueryShape Empty { get; } = new();
}

/// <summary>UNION, INTERSECT or EXCEPT of two queries.</summary>
[GenerateSerializer, Immutable]
public sealed record SetOperation(
    [property: Id(0)] QueryShape Left,
    [property: Id(1)] QueryShape Right)
{
    /// <summary>
    /// Which rows come back depends on comparing the two sides' values: everything but UNION ALL
    /// (UNION drops duplicates, INTERSECT and EXCEPT match rows).
    /// </summary>
    [Id(2)] public bool ComparesRows { get; init; } = true;
}

/// <summary>One WITH item: <c>name (columns) AS (query)</c>, with SEARCH and CYCLE's added columns.</summary>
[GenerateSerializer, Immutable]
public sealed record CommonTable(
    [property: Id(0)] string Name,
    [property: Id(1)] IReadOnlyList<string> ColumnNames,
    [property: Id(2)] QueryShape Query)
{
    /// <summary>
    /// Columns SEARCH … SET c or CYCLE … SET c USING p adds after the query's own, each computed
    /// from the named columns (<see cref="AddedFrom"/>).
    /// </summary>
    [Id(3)] public IReadOnlyList<string> AddedColumns { get; init; } = [];

    /// <summary>The CTE columns SEARCH BY / CYCLE list; the added columns carry their values.</summary>
    [Id(4)] public IReadOnlyList<string> AddedFrom { get; init; } = [];
}

/// <summary>
/// One result column of a query level: an expression (with the name PostgreSQL gives it), or a
/// star (<c>*</c>, <c>t.*</c>) that expands to every column of one or all FROM items.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record OutputItem(
    /// <summary>The column's name: its AS alias, or what PostgreSQL derives (FigureColname).</summary>
    [property: Id(0)] string Name,
    /// <summary>The value; null for a star.</summary>
    [property: Id(1)] ValueShape? Value,
    /// <summary>For <c>t.*</c>: the qualifier's parts; for <c>*</c>: empty. Null when not a star.</summary>
    [property: Id(2)] IReadOnlyList<string>? StarOf);
