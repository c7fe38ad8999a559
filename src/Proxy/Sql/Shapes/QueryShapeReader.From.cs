using System.Text.Json;
using OrleansGate.Grains.Statements.Shapes;
using static OrleansGate.Proxy.Sql.ParseTreeJson;

namespace OrleansGate.Proxy.Sql.Shapes;

/// <summary>FROM items: relations, subqueries, joins, functions, XMLTABLE, TABLESAMPLE.</summary>
internal static partial class QueryShapeReader
{
    private static FromItem From(JsonElement node, int depth)
    {
        Guard(depth);
        var (name, body) = NodeOf(node);
        return name switch
        {
            "RangeVar" => Relation(body),
            "RangeSubselect" => new SubqueryItem(Query(body.GetProperty("subquery"), depth + 1))
            {
                Lateral = Bool(body, "lateral"),
            }.WithAlias(body),
            "JoinExpr" => Join(body, depth),
            "RangeFunction" => Functions(body, depth),
            "RangeTableFunc" => TableFunction(body, depth),
            // TABLESAMPLE's arguments are constants; the alias sits on the sampled relation.
            "RangeTableSample" => From(body.GetProperty("relation"), depth + 1),
            // Fail closed: an item of unknown make computes its columns from who knows what.
            _ => new FunctionItem([new OpaqueValue(name)], [], null),
        };
    }

    /// <summary>A RangeVar (a FROM item, or a written relation held as a bare struct).</summary>
    internal static RelationItem Relation(JsonElement rangeVar) =>
        new RelationItem(String(rangeVar, "schemaname"), String(rangeVar, "relname") ?? string.Empty).WithAlias(rangeVar);

    private static JoinItem Join(JsonElement join, int depth) =>
        new JoinItem(From(join.GetProperty("larg"), depth + 1), From(join.GetProperty("rarg"), depth + 1), Strings(join, "usingClause"),
            Bool(join, "isNatural"), join.TryGetProperty("quals", out var quals) ? Value(quals, depth) : null)
        {
            UsingAlias = join.TryGetProperty("join_using_alias", out var usingAlias) ? String(usingAlias, "aliasname") : null,
        }.WithAlias(join);

    // f(x) [WITH ORDINALITY] [AS t (a, b) | AS t (a int, b text)], ROWS FROM (f(x) AS (a int), g(y)).
    private static FunctionItem Functions(JsonElement range, int depth)
    {
        var calls = new List<ValueShape>();
        var defined = new List<string>();
        string? functionName = null;
        foreach (var item in Items(range, "functions"))
        {
            var parts = Items(NodeOf(item).Body, "items").ToArray();
            if (parts.Length == 0)
            {
                continue;
            }

            calls.Add(Value(parts[0], depth));
            functionName ??= NodeOf(parts[0]) is ("FuncCall", var call) ? Strings(call, "funcname")[^1] : ColumnNames.Figure(parts[0]);
            if (parts.Length > 1 && NodeOf(parts[1]) is ("List", var list))
            {
                defined.AddRange(ColumnDefinitionNames(list, "items"));
            }
        }

        defined.AddRange(ColumnDefinitionNames(range, "coldeflist"));
        return new FunctionItem(calls, defined, functionName)
        {
            Lateral = Bool(range, "lateral"),
            Ordinality = Bool(range, "ordinality"),
        }.WithAlias(range);
    }

    // XMLTABLE(row PASSING doc COLUMNS a text PATH 'x', …): every column comes from the document.
    private static FunctionItem TableFunction(JsonElement table, int depth)
    {
        var values = new List<ValueShape>();
        Add(values, table, "docexpr", depth);
        Add(values, table, "rowexpr", depth);
        var names = new List<string>();
        foreach (var column in Items(table, "columns"))
        {
            var (_, body) = NodeOf(column);
            names.Add(String(body, "colname") ?? string.Empty);
            Add(values, body, "colexpr", depth);
            Add(values, body, "coldefexpr", depth);
        }

        foreach (var ns in Items(table, "namespaces"))
        {
            values.Add(Value(ns, depth));
        }

        return new FunctionItem(values, names, "xmltable") { Lateral = Bool(table, "lateral") }.WithAlias(table);
    }

    private static IEnumerable<string> ColumnDefinitionNames(JsonElement body, string field) =>
        Items(body, field).Select(d => NodeOf(d) is ("ColumnDef", var def) ? String(def, "colname") ?? string.Empty : string.Empty);

    private static T WithAlias<T>(this T item, JsonElement body)
        where T : FromItem =>
        body.TryGetProperty("alias", out var alias)
            ? item with { Alias = String(alias, "aliasname"), AliasColumns = Strings(alias, "colnames") }
            : item;
}
