using System.Text.Json;
using OrleansGate.Grains.Statements.Shapes;
using static OrleansGate.Proxy.Sql.ParseTreeJson;

namespace OrleansGate.Proxy.Sql.Shapes;

/// <summary>Expressions: what each node of PostgreSQL's raw expression grammar (<c>nodes/parsenodes.h</c>) reads.</summary>
internal static partial class QueryShapeReader
{
    private static ValueShape Value(JsonElement node, int depth)
    {
        Guard(depth);
        var (name, body) = NodeOf(node);
        switch (name)
        {
            case "ColumnRef":
                return new ColumnValue(Strings(body, "fields").Where(f => f.Length > 0).ToArray(), EndsWithStar(body));
            case "A_Const" or "ParamRef" or "SetToDefault" or "SQLValueFunction" or "CurrentOfExpr":
                return ConstantValue.Instance;
            case "FuncCall":
                return Call(body, depth);
            case "A_Expr" when String(body, "kind") == "AEXPR_IN":
                // x IN (a, b) is x = a OR x = b: each item is compared only when the ones before did not match.
                return Combined(Children(body, depth, "lexpr").Concat(ListItems(body, "rexpr", depth)).ToArray()) with { Conditional = true };
            case "A_Expr":
                return new OperatorValue(NameList(body, "name"), Children(body, depth, "lexpr", "rexpr"));
            case "SubLink":
                return new SubqueryValue(Query(body.GetProperty("subselect"), depth + 1), Children(body, depth, "testexpr"));
            case "A_Indirection":
                return Indirection(body, depth);
            case "NamedArgExpr" or "ResTarget":
                return body.TryGetProperty(name == "ResTarget" ? "val" : "arg", out var inner) ? Value(inner, depth + 1) : ConstantValue.Instance;
            case "MultiAssignRef":
                return Value(body.GetProperty("source"), depth + 1);
            case "TypeCast":
                return Combined(Children(body, depth, "arg")) with { MayFail = !CastsToText(body) };
            case "CollateClause" or "NullTest" or "BooleanTest":
                return Combined(Children(body, depth, "arg"));
            case "XmlSerialize":
                return Combined(Children(body, depth, "expr")) with { MayFail = true };
            case "BoolExpr" or "CoalesceExpr":
                return Combined(Children(body, depth, "args")) with { Conditional = true };
            case "MinMaxExpr" or "RowExpr" or "GroupingFunc":
                return Combined(Children(body, depth, "args"));
            case "A_ArrayExpr":
                // ARRAY[a, b] of arrays fails when their dimensions differ.
                return Combined(Children(body, depth, "elements")) with { MayFail = true };
            case "XmlExpr":
                return Combined(Children(body, depth, "named_args", "args")) with { MayFail = true };
            case "CaseExpr":
                return Combined(CaseParts(body, depth)) with { Conditional = true };
            case "CaseWhen":
                return Combined(Children(body, depth, "expr", "result")) with { Conditional = true };
            case "List":
                return Combined(Children(body, depth, "items"));
            default:
                return new OpaqueValue(name.Length > 0 ? name : "?");
        }
    }

    // Aggregates and window functions compute from their FILTER, ORDER BY and window too: an
    // ordering or a frame over a masked column says something about its values.
    private static CallValue Call(JsonElement call, int depth)
    {
        var arguments = Children(call, depth, "args").ToList();
        foreach (var sortBy in Items(call, "agg_order"))
        {
            if (NodeOf(sortBy).Body.TryGetProperty("node", out var sorted))
            {
                arguments.Add(Value(sorted, depth + 1));
            }
        }

        var window = new List<ValueShape>();
        if (call.TryGetProperty("over", out var over))
        {
            AddWindow(window, over, depth + 1);
        }

        return new CallValue(string.Join('.', Strings(call, "funcname")), arguments)
        {
            Window = window,
            Filter = call.TryGetProperty("agg_filter", out var filter) ? Value(filter, depth + 1) : null,
        };
    }

    // (x).f, (x).*, x[1], x[1:2], (f(x)).a.b.
    private static FieldValue Indirection(JsonElement indirection, int depth)
    {
        var fields = new List<string>();
        var subscripts = new List<ValueShape>();
        var star = false;
        foreach (var step in Items(indirection, "indirection"))
        {
            switch (NodeOf(step))
            {
                case ("String", var field):
                    fields.Add(String(field, "sval") ?? string.Empty);
                    break;
                case ("A_Star", _):
                    star = true;
                    break;
                case ("A_Indices", var indices):
                    subscripts.AddRange(Children(indices, depth, "lidx", "uidx"));
                    break;
            }
        }

        return new FieldValue(Value(indirection.GetProperty("arg"), depth + 1), fields, star, subscripts);
    }

    private static CombinedValue Combined(IReadOnlyList<ValueShape> parts) => new(parts);

    // CASE in the order it runs: the operand, each WHEN's test then its result, then ELSE.
    private static ValueShape[] CaseParts(JsonElement body, int depth)
    {
        var parts = Children(body, depth, "arg").ToList();
        foreach (var when in Items(body, "args"))
        {
            var (name, whenBody) = NodeOf(when);
            parts.AddRange(name == "CaseWhen" ? Children(whenBody, depth + 1, "expr", "result") : [Value(when, depth + 1)]);
        }

        parts.AddRange(Children(body, depth, "defresult"));
        return parts.ToArray();
    }

    // The items of a List node (IN's right side); anything else as one value.
    private static ValueShape[] ListItems(JsonElement body, string field, int depth)
    {
        if (!body.TryGetProperty(field, out var child))
        {
            return [];
        }

        return NodeOf(child) is ("List", var list) ? Children(list, depth + 1, "items") : [Value(child, depth + 1)];
    }

    /// <summary>
    /// A cast to text, varchar, char or name (with or without a length): every value has a text
    /// form, so such a cast never fails. Casts to anything else parse the value and can; so can a
    /// cast to an array of text, which parses an array literal.
    /// </summary>
    private static bool CastsToText(JsonElement cast)
    {
        if (!cast.TryGetProperty("typeName", out var type) || type.TryGetProperty("arrayBounds", out _))
        {
            return false;
        }

        var names = Strings(type, "names");
        var name = names.Length switch
        {
            1 => names[0],
            2 when names[0] == "pg_catalog" => names[1],
            _ => null,
        };
        return name is "text" or "varchar" or "bpchar" or "name";
    }

    /// <summary>The values under the named fields, each a node or a list of nodes.</summary>
    private static ValueShape[] Children(JsonElement body, int depth, params ReadOnlySpan<string> fields)
    {
        var values = new List<ValueShape>();
        foreach (var field in fields)
        {
            if (!body.TryGetProperty(field, out var child))
            {
                continue;
            }

            if (child.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in child.EnumerateArray())
                {
                    values.Add(Value(item, depth + 1));
                }
            }
            else
            {
                values.Add(Value(child, depth + 1));
            }
        }

        return values.ToArray();
    }
}
