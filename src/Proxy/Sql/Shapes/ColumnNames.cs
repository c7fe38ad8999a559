using System.Text.Json;
using static OrleansGate.Proxy.Sql.ParseTreeJson;

namespace OrleansGate.Proxy.Sql.Shapes;

/// <summary>
/// The name PostgreSQL gives a result column that has no AS alias (<c>FigureColname</c> in
/// <c>parser/parse_target.c</c>): a column's own name, a function's name, "case", "?column?".
/// A subquery's columns are found by these names, so they must be the server's.
/// </summary>
internal static class ColumnNames
{
    public const string Unknown = "?column?";

    public static string Figure(JsonElement node) => Figure(node, 0).Name ?? Unknown;

    // FigureColnameInternal's strength: 2 a real name, 1 a fallback a stronger name overrides
    // ("case", a cast's type name), 0 none.
    private static string? FigureOrNull(JsonElement node, int depth) => Figure(node, depth).Name;

    private static (string? Name, int Strength) Figure(JsonElement node, int depth)
    {
        if (depth > 100)
        {
            return (null, 0);
        }

        var (strongName, strength) = Strong(node, depth);
        return (strongName, strength);
    }

    private static (string? Name, int Strength) Strong(JsonElement node, int depth)
    {
        var (name, body) = NodeOf(node);
        switch (name)
        {
            case "TypeCast":
                var cast = Figure(body.GetProperty("arg"), depth + 1);
                if (cast.Strength > 1)
                {
                    return cast;
                }

                return body.TryGetProperty("typeName", out var type) && Strings(type, "names") is { Length: > 0 } names ? (names[^1], 1) : cast;
            case "CollateClause":
                return Figure(body.GetProperty("arg"), depth + 1);
            case "CaseExpr":
                var otherwise = body.TryGetProperty("defresult", out var defresult) ? Figure(defresult, depth + 1) : (null, 0);
                return otherwise.Strength > 1 ? otherwise : ("case", 1);
        }

        return Plain(node, depth) is { } plain ? (plain, 2) : (null, 0);
    }

    private static string? Plain(JsonElement node, int depth)
    {
        var (name, body) = NodeOf(node);
        switch (name)
        {
            case "ColumnRef":
                var fields = body.GetProperty("fields");
                var last = fields[fields.GetArrayLength() - 1];
                return NodeOf(last) is ("String", var s) ? String(s, "sval") : null;
            case "A_Indirection":
                foreach (var step in Items(body, "indirection").Reverse())
                {
                    if (NodeOf(step) is ("String", var field))
                    {
                        return String(field, "sval");
                    }
                }

                return FigureOrNull(body.GetProperty("arg"), depth + 1);
            case "FuncCall":
                return Strings(body, "funcname")[^1];
            case "A_Expr":
                return String(body, "kind") == "AEXPR_NULLIF" ? "nullif" : null;
            case "GroupingFunc":
                return "grouping";
            case "SubLink":
                return String(body, "subLinkType") switch
                {
                    "EXISTS_SUBLINK" => "exists",
                    "ARRAY_SUBLINK" => "array",
                    "EXPR_SUBLINK" => FirstTargetName(body),
                    _ => null,
                };
            case "A_ArrayExpr":
                return "array";
            case "RowExpr":
                return "row";
            case "CoalesceExpr":
                return "coalesce";
            case "MinMaxExpr":
                return String(body, "op") == "IS_LEAST" ? "least" : "greatest";
            case "SQLValueFunction":
                return SqlValueFunctionName(String(body, "op"));
            case "XmlExpr":
                return String(body, "op") switch
                {
                    "IS_XMLCONCAT" => "xmlconcat",
                    "IS_XMLELEMENT" => "xmlelement",
                    "IS_XMLFOREST" => "xmlforest",
                    "IS_XMLPARSE" => "xmlparse",
                    "IS_XMLPI" => "xmlpi",
                    "IS_XMLROOT" => "xmlroot",
                    "IS_XMLSERIALIZE" => "xmlserialize",
                    _ => null,
                };
            case "XmlSerialize":
                return "xmlserialize";
            default:
                return null;
        }
    }

    // (SELECT x FROM …) is named after the subquery's single column.
    private static string? FirstTargetName(JsonElement subLink)
    {
        if (!subLink.TryGetProperty("subselect", out var subselect) || NodeOf(subselect) is not ("SelectStmt", var select))
        {
            return null;
        }

        foreach (var target in Items(select, "targetList"))
        {
            var (_, resTarget) = NodeOf(target);
            return String(resTarget, "name") ?? (resTarget.TryGetProperty("val", out var value) ? FigureOrNull(value, 1) : null);
        }

        return null;
    }

    private static string? SqlValueFunctionName(string? op) => op switch
    {
        "SVFOP_CURRENT_DATE" => "current_date",
        "SVFOP_CURRENT_TIME" or "SVFOP_CURRENT_TIME_N" => "current_time",
        "SVFOP_CURRENT_TIMESTAMP" or "SVFOP_CURRENT_TIMESTAMP_N" => "current_timestamp",
        "SVFOP_LOCALTIME" or "SVFOP_LOCALTIME_N" => "localtime",
        "SVFOP_LOCALTIMESTAMP" or "SVFOP_LOCALTIMESTAMP_N" => "localtimestamp",
        "SVFOP_CURRENT_ROLE" => "current_role",
        "SVFOP_CURRENT_USER" => "current_user",
        "SVFOP_USER" => "user",
        "SVFOP_SESSION_USER" => "session_user",
        "SVFOP_CURRENT_CATALOG" => "current_catalog",
        "SVFOP_CURRENT_SCHEMA" => "current_schema",
        _ => null,
    };
}
