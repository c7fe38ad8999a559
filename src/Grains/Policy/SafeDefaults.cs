using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Policy;

/// <summary>
/// Built-in rules against the ways a legitimate connection reaches beyond its tables: the
/// server's files and programs, other databases, other roles, server configuration, code run
/// from text. Active under every policy; a configured Allow rule lifts one only by naming it
/// in <see cref="RuleOptions.Overrides"/> (docs/policies.md).
/// </summary>
public static class SafeDefaults
{
    public sealed record SafeDefault(string Name, string Reason, Func<StatementInfo, bool> Matches)
    {
        public string RuleName => "default:" + Name;
    }

    private static readonly HashSet<string> ServerFileFunctions = new(StringComparer.Ordinal)
    {
        "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_ls_logdir", "pg_ls_waldir",
        "pg_ls_archive_statusdir", "pg_ls_tmpdir", "pg_ls_logicalsnapdir", "pg_ls_logicalmapdir", "pg_ls_replslotdir",
        "pg_file_write", "pg_file_rename", "pg_file_unlink", "pg_file_sync", "pg_logdir_ls", "pg_current_logfile",
    };

    private static readonly HashSet<string> LargeObjectFunctions = new(StringComparer.Ordinal)
    {
        "lo_import", "lo_export", "lo_open", "lo_close", "loread", "lowrite", "lo_lseek", "lo_lseek64", "lo_tell",
        "lo_tell64", "lo_truncate", "lo_truncate64", "lo_creat", "lo_create", "lo_unlink", "lo_get", "lo_put",
        "lo_from_bytea",
    };

    private static readonly HashSet<string> RoleSettings = new(StringComparer.Ordinal)
    {
        "role", "session_authorization", StatementInfo.UnknownSetting,
    };

    public static readonly IReadOnlyList<SafeDefault> All =
    [
        new("unparseable", "the statement is not SQL the PostgreSQL 15 grammar accepts",
            s => s.Kind == StatementKind.Unparseable),
        new("copy-program", "COPY to or from a program runs a command on the database server",
            s => s.Copy == CopyEndpoint.Program),
        new("copy-server-file", "COPY to or from a server file reaches the database server's file system",
            s => s.Copy == CopyEndpoint.ServerFile),
        new("server-file-functions", "the statement calls a function that reads or lists the server's files",
            s => CallsAny(s, ServerFileFunctions.Contains)),
        new("large-objects", "the statement calls a large-object function",
            s => CallsAny(s, LargeObjectFunctions.Contains)),
        new("dblink", "the statement calls dblink, which connects to other databases",
            s => CallsAny(s, f => f.StartsWith("dblink", StringComparison.Ordinal))),
        new("sql-in-text", "the statement calls a function that runs SQL given as text (*_to_xml*, ts_stat, ts_rewrite)",
            s => CallsAny(s, f => f.Contains("_to_xml", StringComparison.Ordinal) || f is "ts_stat" or "ts_rewrite")),
        new("role-switch", "the statement changes the session's role or authorization",
            s => s.SettingChanges.Any(c => RoleSettings.Contains(c.Name))),
        new("alter-system", "ALTER SYSTEM changes the server's configuration",
            s => s.Command == "AlterSystemStmt"),
        new("do-block", "DO runs procedural code the gateway cannot inspect",
            s => s.Kind == StatementKind.Do),
        new("function-body", "CREATE FUNCTION or PROCEDURE with a body given as text, which runs later unseen by the gateway",
            s => s.HasOpaqueBody),
        new("function-call-message", "the FunctionCall protocol message calls a function by OID, outside SQL",
            s => s.Kind == StatementKind.FunctionCall),
        new("client-encoding", "the gateway reads SQL as UTF-8; another client encoding would hide statements from it",
            s => s.SettingChanges.Any(c => c.Name is "client_encoding" or "names" && !c.IsReset && !SettingValues.IsUtf8(c.Value))),
        new("string-syntax", "with standard_conforming_strings off the server would read string literals differently from the gateway",
            s => s.SettingChanges.Any(c => c.Name == "standard_conforming_strings" && !c.IsReset && !SettingValues.IsOn(c.Value))),
    ];

    private static bool CallsAny(StatementInfo statement, Func<string, bool> predicate) =>
        statement.Functions.Any(f => predicate(SqlNames.Unqualified(f)));
}
