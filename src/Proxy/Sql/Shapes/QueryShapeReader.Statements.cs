using System.Text.Json;
using OrleansGate.Grains.Statements.Shapes;
using static OrleansGate.Proxy.Sql.ParseTreeJson;

namespace OrleansGate.Proxy.Sql.Shapes;

/// <summary>The query a whole statement computes from, whatever statement holds it.</summary>
internal static partial class QueryShapeReader
{
    /// <summary>
    /// The shape of what <paramref name="command"/> computes: its own query, COPY's or CREATE TABLE
    /// AS's query, the procedure a CALL runs. Null when the statement computes nothing from table
    /// data (EXECUTE and FETCH take the shape of what they run, which only the session knows).
    /// </summary>
    public static QueryShape? ForStatement(string command, JsonElement body)
    {
        switch (command)
        {
            case "CopyStmt" or "CreateTableAsStmt" when body.TryGetProperty("query", out var query):
                return Query(query, 1);
            case "CallStmt" when body.TryGetProperty("funccall", out var call):
                // A procedure's OUT parameters come back as one row; what they hold only its body knows.
                return new QueryShape
                {
                    From = [new FunctionItem([Call(call, 1)], [], Strings(call, "funcname") is { Length: > 0 } name ? name[^1] : null)],
                    Outputs = [new OutputItem("*", null, [])],
                };
            default:
                return Read(command, body);
        }
    }

    /// <summary>EXECUTE's parameter expressions.</summary>
    public static ValueShape[] ExecuteParameters(JsonElement execute) => Items(execute, "params").Select(p => Value(p, 1)).ToArray();
}
