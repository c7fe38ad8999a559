using OrleansGate.Grains.Statements.Shapes;

namespace OrleansGate.Grains.Statements;

/// <summary>
/// What the gateway understood of one SQL statement, built from PostgreSQL's own parse tree.
/// Names are as the grammar produced them (unquoted identifiers folded to lower case) and
/// schema-qualified only when the statement qualified them.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StatementInfo
{
    /// <summary>The statement's own kind.</summary>
    [Id(0)] public required StatementKind Kind { get; init; }

    /// <summary>
    /// Every kind the statement runs: its own first, then those it runs inside itself — the DELETE
    /// of a data-modifying CTE, the SELECT of CREATE TABLE AS, the statement of PREPARE or
    /// DECLARE. A policy rule on a kind matches when any of these is that kind.
    /// </summary>
    [Id(1)] public required IReadOnlyList<StatementKind> Kinds { get; init; }

    /// <summary>The parse tree's node name for the statement (<c>SelectStmt</c>, <c>AlterSystemStmt</c>, …).</summary>
    [Id(16)] public string Command { get; init; } = string.Empty;

    /// <summary>The statement's SQL text (one statement of a batch, without the separator).</summary>
    [Id(2)] public required string Sql { get; init; }

    /// <summary>libpg_query's fingerprint: equal for statements that differ only in constants.</summary>
    [Id(3)] public string Fingerprint { get; init; } = string.Empty;

    [Id(4)] public IReadOnlyList<string> RelationsRead { get; init; } = [];

    [Id(5)] public IReadOnlyList<string> RelationsWritten { get; init; } = [];

    /// <summary>Every function called anywhere in the tree (CTEs, subqueries, DEFAULTs, …).</summary>
    [Id(6)] public IReadOnlyList<string> Functions { get; init; } = [];

    /// <summary>
    /// Names that may call a function in functional notation, and are not called plainly as well:
    /// each field selected from a value (<c>(x).f</c>, also listed in <see cref="Functions"/>) and
    /// each name after the first of a qualified column reference (<c>t.f</c>). The server calls
    /// <c>f(x)</c> when x has no field f; the gateway cannot tell which, so every rule on function
    /// names looks at these too, and a read-only policy wants none of them to be able to change anything.
    /// </summary>
    [Id(34)] public IReadOnlyList<string> FunctionalNotation { get; init; } = [];

    /// <summary>Column references as written (<c>c.ssn</c>, <c>email</c>).</summary>
    [Id(7)] public IReadOnlyList<string> Columns { get; init; } = [];


    /// <summary>A WITH clause holds INSERT, UPDATE, DELETE or MERGE.</summary>
    [Id(9)] public bool HasDataModifyingCte { get; init; }

    /// <summary>CREATE TABLE AS, SELECT INTO or CREATE MATERIALIZED VIEW: the result lands in a new table.</summary>
    [Id(10)] public bool CreatesTableFromQuery { get; init; }

    [Id(11)] public CopyEndpoint Copy { get; init; }

    /// <summary>For SET / RESET / set_config: the setting's name in lower case (<c>role</c>, <c>session_authorization</c>).</summary>
    [Id(12)] public string? Setting { get; init; }

    /// <summary>For SET: the value as written, when it is a constant.</summary>
    [Id(13)] public string? SettingValue { get; init; }

    /// <summary>
    /// For PREPARE, EXECUTE, DEALLOCATE, DECLARE, FETCH, CLOSE: the statement or cursor name (null
    /// for DEALLOCATE ALL and CLOSE ALL); for DISCARD: what it discards (ALL, PLANS, SEQUENCES, TEMP).
    /// </summary>
    [Id(14)] public string? ObjectName { get; init; }

    /// <summary>EXECUTE's parameter expressions (they become the prepared statement's $1, $2, …).</summary>
    [Id(33)] public IReadOnlyList<ValueShape> ParameterValues { get; init; } = [];

    /// <summary>DECLARE … WITH HOLD: the cursor outlives the transaction that declared it.</summary>
    [Id(32)] public bool Holdable { get; init; }

    /// <summary>Why the grammar rejected the statement, for <see cref="StatementKind.Unparseable"/>.</summary>
    [Id(15)] public string? ParseError { get; init; }

    /// <summary>
    /// Unparseable because it is nested deeper than the gateway inspects (its parse tree, or what
    /// its tokens allow, is past the parser's limits): refused with 54001, statement_too_complex.
    /// </summary>
    [Id(35)] public bool TooComplex { get; init; }

    /// <summary>
    /// Every setting the statement changes, wherever in it: SET/RESET, each set_config call,
    /// ALTER ROLE/DATABASE … SET, a function's SET clause.
    /// </summary>
    [Id(17)] public IReadOnlyList<SettingChange> SettingChanges { get; init; } = [];

    /// <summary>
    /// CREATE FUNCTION / PROCEDURE with a body given as a string (AS '…'), which the gateway cannot
    /// inspect: whatever it does runs later, whenever the function is called.
    /// </summary>
    [Id(18)] public bool HasOpaqueBody { get; init; }





    /// <summary>For COPY of a table (not of a query): the table, as written.</summary>
    [Id(26)] public string? CopyRelation { get; init; }

    /// <summary>COPY's column list, when it names one.</summary>
    [Id(23)] public IReadOnlyList<string> CopyColumns { get; init; } = [];

    /// <summary>COPY's options as written (FORMAT csv, DELIMITER ';', …), names in lower case.</summary>
    [Id(24)] public IReadOnlyList<CopyOption> CopyOptions { get; init; } = [];


    /// <summary>A SELECT whose outermost query has a LIMIT (or FETCH FIRST) with a value; <c>LIMIT ALL</c> is none.</summary>
    [Id(27)] public bool HasLimit { get; init; }

    /// <summary>An UPDATE or DELETE without WHERE, at the top level or in a data-modifying CTE: it touches every row.</summary>
    [Id(28)] public bool UnboundedWrite { get; init; }

    /// <summary>
    /// What the statement reads and computes, for masking: the query of a SELECT, VALUES, INSERT,
    /// UPDATE, DELETE, MERGE, COPY (query), CREATE TABLE AS; EXECUTE's parameter expressions; a
    /// CALL's procedure. Null for statements that compute nothing from table data.
    /// </summary>
    [Id(29)] public QueryShape? Query { get; init; }

    /// <summary>
    /// The statement PREPARE, DECLARE or EXPLAIN holds: what EXECUTE or FETCH later runs. For an
    /// EXECUTE or FETCH (decided as what it runs), the prepared statement or cursor's query.
    /// </summary>
    [Id(30)] public StatementInfo? Inner { get; init; }

    /// <summary>
    /// The command changes nothing by itself: a query without INTO or FOR UPDATE/SHARE, SHOW,
    /// EXPLAIN (ANALYZE of a read-only statement), transaction control, session settings, cursors
    /// and prepared statements of read-only queries. The functions it calls are judged apart (the
    /// policy's <see cref="StatementKind.Write"/> kind needs both).
    /// </summary>
    [Id(31)] public bool ReadOnlyCommand { get; init; }

    /// <summary><see cref="Setting"/> when set_config is called with a name that is not a constant.</summary>
    public const string UnknownSetting = "?";

    public bool HasKind(StatementKind kind) => Kinds.Contains(kind);
}

/// <summary>One setting a statement changes: its name in lower case, the constant value when there is one.</summary>
[GenerateSerializer, Immutable]
public sealed record SettingChange(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Value,
    [property: Id(2)] bool IsReset);

/// <summary>One COPY option: its name in lower case and its argument as written (null when it has none).</summary>
[GenerateSerializer, Immutable]
public sealed record CopyOption(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Value);
