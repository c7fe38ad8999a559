namespace OrleansGate.Grains.Statements.Shapes;

/// <summary>One item of a FROM list (a range-table entry), with its alias and alias column list.</summary>
[GenerateSerializer, Immutable]
public abstract record FromItem
{
    /// <summary><c>AS x</c>: the name the query refers to the item by; null when none was given.</summary>
    [Id(0)] public string? Alias { get; init; }

    /// <summary><c>AS x (a, b)</c>: new names for the item's first columns, in order.</summary>
    [Id(1)] public IReadOnlyList<string> AliasColumns { get; init; } = [];

    /// <summary>LATERAL: the item sees the FROM items before it.</summary>
    [Id(2)] public bool Lateral { get; init; }
}

/// <summary>A table, view, materialized view, foreign table — or a CTE of that name, when one is in scope.</summary>
[GenerateSerializer, Immutable]
public sealed record RelationItem(
    /// <summary>The schema, when the statement qualified the name.</summary>
    [property: Id(0)] string? Schema,
    [property: Id(1)] string Name) : FromItem;

/// <summary>A subquery in FROM.</summary>
[GenerateSerializer, Immutable]
public sealed record SubqueryItem(
    [property: Id(0)] QueryShape Query) : FromItem;

/// <summary>
/// A join. Its columns are the merged USING / NATURAL columns, then the left's, then the right's;
/// with an alias (<c>(a JOIN b) AS j</c>) the items inside it are hidden behind that name.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record JoinItem(
    [property: Id(0)] FromItem Left,
    [property: Id(1)] FromItem Right,
    /// <summary>JOIN … USING (a, b): the merged columns.</summary>
    [property: Id(2)] IReadOnlyList<string> Using,
    /// <summary>NATURAL JOIN: every column name the two sides share is merged.</summary>
    [property: Id(3)] bool Natural,
    /// <summary>ON …: which row pairs join.</summary>
    [property: Id(4)] ValueShape? Condition) : FromItem
{
    /// <summary><c>USING (a) AS u</c> (PostgreSQL 14): a name for the merged columns alone.</summary>
    [Id(5)] public string? UsingAlias { get; init; }
}

/// <summary>
/// Functions in FROM (<c>f(x) AS t</c>, <c>ROWS FROM (f(), g())</c>, XMLTABLE): every column is
/// computed by the calls, so each carries what their arguments carry.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FunctionItem(
    /// <summary>The calls (<see cref="CallValue"/>) or, for XMLTABLE, the expressions it evaluates.</summary>
    [property: Id(0)] IReadOnlyList<ValueShape> Calls,
    /// <summary>A column definition list (<c>AS t(a int, b text)</c>) or XMLTABLE's COLUMNS: the names in order.</summary>
    [property: Id(1)] IReadOnlyList<string> DefinedColumns,
    /// <summary>The name a single-column function result takes when no alias names it (the function's name).</summary>
    [property: Id(2)] string? FunctionName) : FromItem
{
    /// <summary>WITH ORDINALITY: a last column numbering the rows.</summary>
    [Id(3)] public bool Ordinality { get; init; }
}
