using System.Text.Json;
using OrleansGate.Grains.Statements.Shapes;
using static OrleansGate.Proxy.Sql.ParseTreeJson;

namespace OrleansGate.Proxy.Sql.Shapes;

/// <summary>
/// Turns a statement's parse tree into the <see cref="QueryShape"/> the decision side resolves
/// against the catalog. It keeps what decides where a value comes from — FROM items with their
/// aliases, result columns with the names PostgreSQL gives them, every expression's column
/// references, calls, operators and subqueries — and drops the rest. A node it does not know
/// becomes an <see cref="OpaqueValue"/>, which the resolver treats as carrying masked values.
/// </summary>
internal static partial class QueryShapeReader
{
    /// <summary>The shape of a SELECT, VALUES, set operation, INSERT, UPDATE, DELETE or MERGE; null for anything else.</summary>
    public static QueryShape? Read(string command, JsonElement body) => Read(command, body, depth: 0);

    private static QueryShape? Read(string command, JsonElement body, int depth) => command switch
    {
        "SelectStmt" => Select(body, depth + 1),
        "InsertStmt" => Insert(body, depth + 1),
        "UpdateStmt" => Update(body, depth + 1),
        "DeleteStmt" => Delete(body, depth + 1),
        "MergeStmt" => Merge(body, depth + 1),
        _ => null,
    };

    /// <summary>A wrapped statement node (a subquery, a CTE's query) as a query level; opaque when it is no query.</summary>
    private static QueryShape Query(JsonElement node, int depth)
    {
        var (name, body) = NodeOf(node);
        return Read(name, body, depth) ?? new QueryShape { Outputs = [new OutputItem("?column?", new OpaqueValue(name), null)] };
    }

    private static QueryShape Select(JsonElement select, int depth)
    {
        Guard(depth);
        var filters = new List<ValueShape>();
        var sortOrGroup = new List<ValueShape>();
        var positions = new List<int>();
        Add(filters, select, "whereClause", depth);
        Add(filters, select, "havingClause", depth);
        Add(filters, select, "limitCount", depth);
        Add(filters, select, "limitOffset", depth);
        foreach (var window in Items(select, "windowClause"))
        {
            AddWindow(filters, NodeOf(window).Body, depth);
        }

        foreach (var item in Items(select, "distinctClause"))
        {
            // DISTINCT ON (…) lists expressions; a plain DISTINCT is one empty item and compares whole result rows.
            if (NodeOf(item).Name.Length == 0)
            {
                positions.Add(0);
            }
            else
            {
                AddSortOrGroup(sortOrGroup, positions, item, depth);
            }
        }

        foreach (var item in Items(select, "groupClause"))
        {
            AddGroup(sortOrGroup, positions, item, depth);
        }

        foreach (var item in Items(select, "sortClause"))
        {
            var (_, sortBy) = NodeOf(item);
            if (sortBy.TryGetProperty("node", out var sorted))
            {
                AddSortOrGroup(sortOrGroup, positions, sorted, depth);
            }
        }

        var (with, recursive) = With(select, depth);
        var shape = new QueryShape
        {
            With = with,
            RecursiveWith = recursive,
            Filters = filters,
            SortOrGroup = sortOrGroup,
            SortOrGroupPositions = positions,
            LocksRows = select.TryGetProperty("lockingClause", out _),
        };

        if (String(select, "op") is { } op && op != "SETOP_NONE")
        {
            return shape with
            {
                // larg and rarg are typed SelectStmt*: the struct itself, without the node wrapper.
                SetOperation = new SetOperation(Select(select.GetProperty("larg"), depth + 1), Select(select.GetProperty("rarg"), depth + 1))
                {
                    ComparesRows = !(op == "SETOP_UNION" && select.TryGetProperty("all", out var all) && all.ValueKind == JsonValueKind.True),
                },
            };
        }

        if (select.TryGetProperty("valuesLists", out var rows))
        {
            return shape with
            {
                ValuesRows = rows.EnumerateArray().Select(row => (IReadOnlyList<ValueShape>)Items(NodeOf(row).Body, "items").Select(v => Value(v, depth)).ToArray()).ToArray(),
            };
        }

        return shape with
        {
            From = Items(select, "fromClause").Select(f => From(f, depth)).ToArray(),
            Outputs = Outputs(select, "targetList", depth),
        };
    }

    /// <summary>The result columns of a target list or RETURNING list.</summary>
    private static OutputItem[] Outputs(JsonElement body, string field, int depth)
    {
        var outputs = new List<OutputItem>();
        foreach (var item in Items(body, field))
        {
            var (_, target) = NodeOf(item);
            if (!target.TryGetProperty("val", out var value))
            {
                continue;
            }

            if (NodeOf(value) is ("ColumnRef", var columnRef) && EndsWithStar(columnRef))
            {
                outputs.Add(new OutputItem("*", null, Strings(columnRef, "fields").SkipLast(1).ToArray()));
                continue;
            }

            outputs.Add(new OutputItem(String(target, "name") ?? ColumnNames.Figure(value), Value(value, depth), null));
        }

        return outputs.ToArray();
    }

    private static bool EndsWithStar(JsonElement columnRef) =>
        columnRef.TryGetProperty("fields", out var fields) && fields.GetArrayLength() > 0 && NodeOf(fields[fields.GetArrayLength() - 1]).Name == "A_Star";

    private static (CommonTable[] With, bool Recursive) With(JsonElement body, int depth)
    {
        if (!body.TryGetProperty("withClause", out var withClause))
        {
            return ([], false);
        }

        var tables = new List<CommonTable>();
        foreach (var item in Items(withClause, "ctes"))
        {
            var (_, cte) = NodeOf(item);
            var added = new List<string>();
            var addedFrom = new List<string>();
            if (cte.TryGetProperty("search_clause", out var search))
            {
                added.Add(String(search, "search_seq_column") ?? string.Empty);
                addedFrom.AddRange(Strings(search, "search_col_list"));
            }

            if (cte.TryGetProperty("cycle_clause", out var cycle))
            {
                added.Add(String(cycle, "cycle_mark_column") ?? string.Empty);
                added.Add(String(cycle, "cycle_path_column") ?? string.Empty);
                addedFrom.AddRange(Strings(cycle, "cycle_col_list"));
            }

            tables.Add(new CommonTable(String(cte, "ctename") ?? string.Empty, Strings(cte, "aliascolnames"), Query(cte.GetProperty("ctequery"), depth + 1))
            {
                AddedColumns = added,
                AddedFrom = addedFrom,
            });
        }

        return (tables.ToArray(), Bool(withClause, "recursive"));
    }

    private static void Add(List<ValueShape> values, JsonElement body, string field, int depth)
    {
        if (body.TryGetProperty(field, out var value))
        {
            values.Add(Value(value, depth));
        }
    }

    private static void AddWindow(List<ValueShape> values, JsonElement window, int depth)
    {
        foreach (var field in (ReadOnlySpan<string>)["partitionClause", "orderClause"])
        {
            foreach (var item in Items(window, field))
            {
                var (name, body) = NodeOf(item);
                values.Add(name == "SortBy" && body.TryGetProperty("node", out var sorted) ? Value(sorted, depth) : Value(item, depth));
            }
        }

        Add(values, window, "startOffset", depth);
        Add(values, window, "endOffset", depth);
    }

    // GROUP BY a, 2, ROLLUP (b, c), GROUPING SETS ((d), ()).
    private static void AddGroup(List<ValueShape> values, List<int> positions, JsonElement item, int depth)
    {
        if (NodeOf(item) is ("GroupingSet", var set))
        {
            foreach (var member in Items(set, "content"))
            {
                AddGroup(values, positions, member, depth);
            }

            return;
        }

        AddSortOrGroup(values, positions, item, depth);
    }

    // ORDER BY 2 and GROUP BY 2 name the second result column; anything else is an expression.
    private static void AddSortOrGroup(List<ValueShape> values, List<int> positions, JsonElement item, int depth)
    {
        if (NodeOf(item) is ("A_Const", var constant) && constant.TryGetProperty("ival", out var ival))
        {
            positions.Add(ival.TryGetProperty("ival", out var number) ? number.GetInt32() : 0);
            return;
        }

        values.Add(Value(item, depth));
    }

    /// <summary>Parse trees deeper than the gateway inspects are refused (the caller makes the statement unparseable).</summary>
    private static void Guard(int depth)
    {
        if (depth > SqlParser.MaxTreeDepth)
        {
            throw new StatementTooDeepException();
        }
    }
}
