using System.Text.Json;
using OrleansGate.Grains.Statements;
using static OrleansGate.Proxy.Sql.ParseTreeJson;

namespace OrleansGate.Proxy.Sql;

/// <summary>
/// Commands that change nothing by themselves — the gateway's side of a read-only policy, after
/// PostgreSQL's own list of what a read-only transaction allows (<c>ClassifyUtilityCommandAsReadOnly</c>
/// in <c>tcop/utility.c</c>), made stricter: maintenance, locks other sessions wait on, NOTIFY,
/// code blocks and procedures count as changes. The functions a statement calls are judged apart,
/// with the catalog (a function is read-only only when proven so).
/// </summary>
internal static class ReadOnlyCommands
{
    /// <summary>Kinds that, found anywhere in a statement, make it a change.</summary>
    private static readonly HashSet<StatementKind> Changes =
    [
        StatementKind.Insert, StatementKind.Update, StatementKind.Delete, StatementKind.Merge, StatementKind.CopyFrom,
        StatementKind.Ddl, StatementKind.Grant, StatementKind.Truncate, StatementKind.Do, StatementKind.Call,
        StatementKind.Notify, StatementKind.Vacuum, StatementKind.Analyze, StatementKind.Lock, StatementKind.Unparseable,
        StatementKind.FunctionCall,
    ];

    /// <summary>Utility commands that only read, or only change the session itself.</summary>
    private static readonly HashSet<string> SessionOnly = new(StringComparer.Ordinal)
    {
        "VariableShowStmt", "VariableSetStmt", "DiscardStmt", "ListenStmt", "UnlistenStmt", "ConstraintsSetStmt",
        "DeallocateStmt", "ClosePortalStmt", "FetchStmt", "ExecuteStmt",
    };

    public static bool IsReadOnly(string command, JsonElement body, IReadOnlyList<StatementKind> kinds, StatementInfo? inner)
    {
        if (kinds.Any(Changes.Contains))
        {
            return false;
        }

        return command switch
        {
            "SelectStmt" => !SelectInto.Creates(body),
            "CopyStmt" => !Bool(body, "is_from") && !Bool(body, "is_program") && !body.TryGetProperty("filename", out _),
            "ExplainStmt" or "PrepareStmt" or "DeclareCursorStmt" => inner is null || inner.ReadOnlyCommand,
            // BEGIN, COMMIT, SAVEPOINT …; two-phase commit leaves a transaction behind on the server.
            "TransactionStmt" => String(body, "kind") is not ("TRANS_STMT_PREPARE" or "TRANS_STMT_COMMIT_PREPARED" or "TRANS_STMT_ROLLBACK_PREPARED"),
            _ => SessionOnly.Contains(command),
        };
    }
}
