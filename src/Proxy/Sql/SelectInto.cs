using System.Text.Json;
using static OrleansGate.Proxy.Sql.ParseTreeJson;

namespace OrleansGate.Proxy.Sql;

/// <summary>
/// Whether a SELECT creates a table with INTO. The grammar hangs INTO on the SelectStmt that holds
/// its target list, which in a set operation is a branch, not the outermost node: PostgreSQL
/// takes it from the leftmost branch (<c>transformSetOperationStmt</c> follows <c>larg</c> down),
/// so <c>SELECT ssn INTO t FROM customers UNION SELECT 'x'</c> creates t and fills it.
/// </summary>
internal static class SelectInto
{
    /// <summary>
    /// True when the SELECT or any branch of its set operations has an INTO. Only the leftmost can
    /// take effect (the server refuses one anywhere else), but every branch is looked at: a
    /// statement the server would refuse anyway costs nothing to refuse here.
    /// </summary>
    public static bool Creates(JsonElement select) => Creates(select, depth: 0);

    private static bool Creates(JsonElement select, int depth)
    {
        if (depth > SqlParser.MaxTreeDepth)
        {
            throw new StatementTooDeepException();
        }

        if (select.TryGetProperty("intoClause", out _))
        {
            return true;
        }

        // larg and rarg are typed SelectStmt*: the struct itself, without the node wrapper.
        return String(select, "op") is { } op && op != "SETOP_NONE"
            && ((select.TryGetProperty("larg", out var left) && Creates(left, depth + 1))
                || (select.TryGetProperty("rarg", out var right) && Creates(right, depth + 1)));
    }
}
