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
    public sealed record SafeDefault(string Name, string Reason, Func<StatementInfo, bool> Matches, string SqlState = Decision.BlockedSqlState)
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

    /// <summary>Catalogs that hold secrets: password hashes, user mappings' options, authentication and configuration files, subscriptions' connection strings.</summary>
    private static readonly HashSet<string> SecretCatalogs = new(StringComparer.Ordinal)
    {
        "pg_authid", "pg_shadow", "pg_user_mapping", "pg_user_mappings", "pg_hba_file_rules", "pg_ident_file_mappings", "pg_file_settings",
        "pg_subscription",
    };

    /// <summary>The functions behind the secret-bearing views.</summary>
    private static readonly HashSet<string> SecretFunctions = new(StringComparer.Ordinal)
    {
        "pg_hba_file_rules", "pg_ident_file_mappings", "pg_show_all_file_settings", "pg_get_userbyid_password",
    };

    /// <summary>Other sessions' statement text, whole (pg_stat_activity's query column is masked instead).</summary>
    private static readonly HashSet<string> OtherSessionsStatements = new(StringComparer.Ordinal)
    {
        "pg_stat_get_activity", "pg_stat_get_backend_activity", "pg_stat_statements", "pg_stat_statements_info",
    };

    /// <summary>Settings that decide how the server splits a statement's text into tokens (strings, escapes, characters).</summary>
    private static readonly HashSet<string> TextReadingSettings = new(StringComparer.Ordinal)
    {
        "standard_conforming_strings", "backslash_quote", "client_encoding", "names",
    };

    private static readonly HashSet<string> RoleSettings = new(StringComparer.Ordinal)
    {
        "role", "session_authorization", StatementInfo.UnknownSetting,
    };

    /// <summary>Functions (of pageinspect and the like) that return a relation's raw pages or tuples: every value, masked or not.</summary>
    private static readonly HashSet<string> RawStorageFunctions = new(StringComparer.Ordinal)
    {
        "get_raw_page", "heap_page_items", "heap_page_item_attrs", "tuple_data_split", "bt_page_items", "bt_metap", "bt_page_stats",
        "brin_page_items", "brin_metapage_info", "brin_revmap_data", "gin_leafpage_items", "gin_metapage_info", "gin_page_opaque_info",
        "gist_page_items", "gist_page_items_bytea", "gist_page_opaque_info", "hash_page_items", "hash_bitmap_info", "hash_metapage_info",
        "hash_page_stats", "hash_page_type", "page_header", "fsm_page_contents", "spgist_page_items", "pg_visibility_map",
        "heap_tuple_infomask_flags",
    };

    // One delegate for every statement (the method group converted in the internal-storage rule made a new one each time).
    private static readonly Func<string, bool> InternalStorage = IsInternalStorage;

    public static readonly IReadOnlyList<SafeDefault> All =
    [
        // 54001 statement_too_complex, as the server says of a statement too deep for its stack; before
        // unparseable, whose 42601 it would otherwise get (such a statement is also Unparseable).
        new("too-complex", "the statement is nested deeper than the gateway inspects",
            s => s.TooComplex, SqlState: "54001"),
        // 42601 syntax_error, as the server would say: a client shows a typo as a typo, not as a denial.
        new("unparseable", "the statement is not SQL the PostgreSQL 15 grammar accepts",
            s => s.Kind == StatementKind.Unparseable, SqlState: "42601"),
        new("copy-program", "COPY to or from a program runs a command on the database server",
            s => s.Copy == CopyEndpoint.Program),
        new("copy-server-file", "COPY to or from a server file reaches the database server's file system",
            s => s.Copy == CopyEndpoint.ServerFile),
        new("server-file-functions", "the statement calls a function that reads or lists the server's files",
            s => CallsAny(s, ServerFileFunctions)),
        new("large-objects", "the statement calls a large-object function",
            s => CallsAny(s, LargeObjectFunctions)),
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
        new("backslash-quote", "backslash_quote decides how the server reads backslashes in strings; the gateway reads them with the default",
            s => s.SettingChanges.Any(c => c.Name == "backslash_quote" && !c.IsReset)),
        new("application-name", "the gateway keeps application_name upstream naming the identity (for the database's own logs and views); a client may change it only with a plain SET or RESET, which the gateway undoes upstream",
            s => s.SettingChanges.Any(c => c.Name == "application_name") && s.Command != "VariableSetStmt"),
        new("settings-catalog", "writing to pg_settings changes settings the gateway cannot follow (how the server reads the next statement among them)",
            s => Touches(s, written: true, r => SqlNames.Unqualified(r) == "pg_settings")),
        new("load", "LOAD loads a shared library into the server",
            s => s.Command == "LoadStmt"),
        new("server-state", "the statement calls a function that changes the server or acts on other sessions (backends, configuration, WAL, replication slots and origins, backups, statistics)",
            s => CallsAny(s, f => ServerFunctions.ChangeServerState.Contains(f) || f.StartsWith("binary_upgrade_", StringComparison.Ordinal))),
        new("secret-catalogs", "the statement reads a catalog that holds secrets (password hashes, user mappings, authentication and configuration files, subscriptions)",
            s => Touches(s, written: false, r => SecretCatalogs.Contains(SqlNames.Unqualified(r))) || CallsAny(s, SecretFunctions)),
        new("internal-storage", "the statement reads the server's internal storage of values (TOAST tables, large objects, raw pages), which holds masked values outside their tables",
            s => Touches(s, written: false, InternalStorage) || Touches(s, written: true, InternalStorage) || CallsAny(s, RawStorageFunctions)),
        new("other-sessions-statements", "the statement reads other sessions' statement text whole (pg_stat_statements, pg_stat_get_activity, pg_stat_get_backend_activity); pg_stat_activity shows it masked",
            s => CallsAny(s, OtherSessionsStatements) || Touches(s, written: false, r => SqlNames.Unqualified(r) == "pg_stat_statements")),
    ];

    // Any relation of the pg_toast schema (pg_toast_<oid> under whatever schema is on the path), pg_largeobject.
    private static bool IsInternalStorage(string relation)
    {
        var name = SqlNames.Unqualified(relation);
        return relation.StartsWith("pg_toast.", StringComparison.Ordinal) || name.StartsWith("pg_toast_", StringComparison.Ordinal)
               || name == "pg_largeobject";
    }

    // Loops rather than LINQ with a captured predicate: the safe defaults are checked for every
    // statement, and a closure and a delegate per check were a good part of what one statement allocated.
    private static bool Touches(StatementInfo statement, bool written, Func<string, bool> relation)
    {
        var relations = written ? statement.RelationsWritten : statement.RelationsRead;
        for (var i = 0; i < relations.Count; i++)
        {
            if (relation(relations[i]))
            {
                return true;
            }
        }

        return false;
    }

    // A name in functional notation (t.f, (x).f) may call the function of that name: it counts as a call.
    private static bool CallsAny(StatementInfo statement, HashSet<string> names) =>
        AnyIn(statement.Functions, names) || AnyIn(statement.FunctionalNotation, names);

    private static bool CallsAny(StatementInfo statement, Func<string, bool> predicate) =>
        AnyMatches(statement.Functions, predicate) || AnyMatches(statement.FunctionalNotation, predicate);

    private static bool AnyIn(IReadOnlyList<string> functions, HashSet<string> names)
    {
        for (var i = 0; i < functions.Count; i++)
        {
            if (names.Contains(SqlNames.Unqualified(functions[i])))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyMatches(IReadOnlyList<string> functions, Func<string, bool> predicate)
    {
        for (var i = 0; i < functions.Count; i++)
        {
            if (predicate(SqlNames.Unqualified(functions[i])))
            {
                return true;
            }
        }

        return false;
    }
}
