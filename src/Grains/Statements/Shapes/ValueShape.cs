namespace OrleansGate.Grains.Statements.Shapes;

/// <summary>
/// An expression, reduced to what decides where its value comes from: the column references it
/// reads, the functions and operators it calls, the subqueries it runs. Everything else (casts,
/// CASE, COALESCE, arrays, ROW, comparisons) computes from its parts (<see cref="CombinedValue"/>).
/// </summary>
[GenerateSerializer, Immutable]
public abstract record ValueShape;

/// <summary>A constant, a parameter ($1), DEFAULT, or anything else that reads no column.</summary>
[GenerateSerializer, Immutable]
public sealed record ConstantValue : ValueShape
{
    public static ConstantValue Instance { get; } = new();
}

/// <summary>
/// A column reference as written: <c>x</c>, <c>t.x</c>, <c>s.t.x</c>, <c>t.*</c>. Which column it
/// is — or whether <c>t</c> is a whole row and <c>t.f</c> a call of <c>f(t)</c> (functional
/// notation) — only the resolver can tell, with the FROM items in scope.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ColumnValue(
    [property: Id(0)] IReadOnlyList<string> Names,
    /// <summary>Ends in <c>.*</c> (or is <c>*</c>): every column of the row.</summary>
    [property: Id(1)] bool Star) : ValueShape;

/// <summary>A function call (aggregates and window functions too: an aggregate's ORDER BY is among its arguments).</summary>
[GenerateSerializer, Immutable]
public sealed record CallValue(
    /// <summary>The name as written, schema-qualified when it was.</summary>
    [property: Id(0)] string Function,
    [property: Id(1)] IReadOnlyList<ValueShape> Arguments) : ValueShape
{
    /// <summary>
    /// A window function's PARTITION BY, ORDER BY and frame offsets: the call computes from them as
    /// from its arguments, and the server returns the rows in that order, so they also decide what
    /// comes back, as a filter does.
    /// </summary>
    [Id(2)] public IReadOnlyList<ValueShape> Window { get; init; } = [];

    /// <summary>An aggregate's FILTER (WHERE …): for which rows its arguments are computed.</summary>
    [Id(3)] public ValueShape? Filter { get; init; }
}

/// <summary>An operator (<c>a || b</c>, <c>-a</c>, <c>a = ANY (b)</c>): user-defined ones run code the gateway cannot see.</summary>
[GenerateSerializer, Immutable]
public sealed record OperatorValue(
    [property: Id(0)] string Operator,
    [property: Id(1)] IReadOnlyList<ValueShape> Arguments) : ValueShape;

/// <summary>A subquery used as a value (scalar, EXISTS, IN, ANY/ALL, ARRAY(…)), with the expressions compared to it.</summary>
[GenerateSerializer, Immutable]
public sealed record SubqueryValue(
    [property: Id(0)] QueryShape Query,
    [property: Id(1)] IReadOnlyList<ValueShape> Tests) : ValueShape;

/// <summary>
/// A field of a composite value or an element of an array: <c>(t).x</c>, <c>(f(t)).*</c>,
/// <c>a[1]</c>. <see cref="Subscripts"/> are the index expressions.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FieldValue(
    [property: Id(0)] ValueShape Of,
    [property: Id(1)] IReadOnlyList<string> Fields,
    [property: Id(2)] bool Star,
    [property: Id(3)] IReadOnlyList<ValueShape> Subscripts) : ValueShape;

/// <summary>A value computed from its parts by the server's own code: casts, CASE, COALESCE, arrays, ROW, boolean logic.</summary>
[GenerateSerializer, Immutable]
public sealed record CombinedValue(
    [property: Id(0)] IReadOnlyList<ValueShape> Parts) : ValueShape
{
    /// <summary>
    /// Computing it may raise an error for some values of its parts: a cast to a type other than
    /// text (<c>ssn::int</c> fails unless ssn is digits), an array, XML. CASE, COALESCE, ROW,
    /// boolean logic and tests for NULL accept every value.
    /// </summary>
    [Id(1)] public bool MayFail { get; init; }

    /// <summary>
    /// Each part runs only as the parts before it say: CASE (its operand, then each WHEN and THEN
    /// in order, then ELSE), COALESCE, AND/OR, an IN list.
    /// </summary>
    [Id(2)] public bool Conditional { get; init; }
}

/// <summary>
/// A part of the tree the gateway does not know how to read. It may carry anything, so the
/// resolver treats its value as masked (fail closed).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record OpaqueValue(
    /// <summary>The parse-tree node's name, for the record.</summary>
    [property: Id(0)] string Node) : ValueShape;
