using System.Text.Json;
using OrleansGate.Grains.Statements.Shapes;
using static OrleansGate.Proxy.Sql.ParseTreeJson;

namespace OrleansGate.Proxy.Sql.Shapes;

/// <summary>
/// INSERT, UPDATE, DELETE and MERGE: the written relation is the first FROM item (its columns are
/// in scope for SET, WHERE and RETURNING), the values stored are <see cref="QueryShape.Written"/>.
/// </summary>
internal static partial class QueryShapeReader
{
    private static QueryShape Insert(JsonElement insert, int depth)
    {
        Guard(depth);
        var target = Relation(insert.GetProperty("relation"));
        var (with, recursive) = With(insert, depth);
        var written = new List<ValueShape>();
        var filters = new List<ValueShape>();
        var from = new List<FromItem> { target };
        if (insert.TryGetProperty("onConflictClause", out var conflict))
        {
            // ON CONFLICT DO UPDATE SET x = excluded.x: "excluded" is the row proposed for insertion.
            from.Add(target with { Alias = "excluded", AliasColumns = [] });
            written.AddRange(Targets(conflict, "targetList", depth));
            Add(filters, conflict, "whereClause", depth);
            if (conflict.TryGetProperty("infer", out var infer))
            {
                Add(filters, infer, "whereClause", depth);
            }
        }

        return new QueryShape
        {
            With = with,
            RecursiveWith = recursive,
            From = from,
            Outputs = Outputs(insert, "returningList", depth),
            Filters = filters,
            Written = written,
            InsertSource = insert.TryGetProperty("selectStmt", out var source) ? Query(source, depth + 1) : null,
        };
    }

    private static QueryShape Update(JsonElement update, int depth)
    {
        Guard(depth);
        var (with, recursive) = With(update, depth);
        var filters = new List<ValueShape>();
        Add(filters, update, "whereClause", depth);
        return new QueryShape
        {
            With = with,
            RecursiveWith = recursive,
            From = [Relation(update.GetProperty("relation")), .. Items(update, "fromClause").Select(f => From(f, depth))],
            Outputs = Outputs(update, "returningList", depth),
            Filters = filters,
            Written = Targets(update, "targetList", depth),
        };
    }

    private static QueryShape Delete(JsonElement delete, int depth)
    {
        Guard(depth);
        var (with, recursive) = With(delete, depth);
        var filters = new List<ValueShape>();
        Add(filters, delete, "whereClause", depth);
        return new QueryShape
        {
            With = with,
            RecursiveWith = recursive,
            From = [Relation(delete.GetProperty("relation")), .. Items(delete, "usingClause").Select(f => From(f, depth))],
            Outputs = Outputs(delete, "returningList", depth),
            Filters = filters,
        };
    }

    private static QueryShape Merge(JsonElement merge, int depth)
    {
        Guard(depth);
        var (with, recursive) = With(merge, depth);
        var filters = new List<ValueShape>();
        var written = new List<ValueShape>();
        Add(filters, merge, "joinCondition", depth);
        foreach (var item in Items(merge, "mergeWhenClauses"))
        {
            var (_, when) = NodeOf(item);
            Add(filters, when, "condition", depth);
            written.AddRange(Targets(when, "targetList", depth));
            written.AddRange(Items(when, "values").Select(v => Value(v, depth)));
        }

        return new QueryShape
        {
            With = with,
            RecursiveWith = recursive,
            From = [Relation(merge.GetProperty("relation")), From(merge.GetProperty("sourceRelation"), depth)],
            Filters = filters,
            Written = written,
        };
    }

    // SET a = x, (b, c) = (SELECT …): the assigned values (an INSERT's column list has none).
    private static ValueShape[] Targets(JsonElement body, string field, int depth) =>
        Items(body, field)
            .Select(t => NodeOf(t).Body)
            .Where(t => t.TryGetProperty("val", out _))
            .Select(t => Value(t.GetProperty("val"), depth))
            .ToArray();
}
