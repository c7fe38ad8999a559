using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Masking.Lineage;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Policy;

/// <summary>
/// What the gateway knows of PostgreSQL's own functions beyond the catalog: the volatile ones
/// that still change nothing (a read-only policy lets them through), and those that change the
/// server or reach other sessions (never read-only, and blocked by a built-in rule).
/// </summary>
public static partial class ServerFunctions
{
    /// <summary>
    /// The set-returning ones (PostgreSQL 15's pg_proc, <c>proretset</c>). Called in a select list,
    /// such a function returns as many rows as its arguments say: <c>SELECT generate_series(1,
    /// ascii(ssn))</c> returns ssn's first character code in rows, masked or not, so the masking
    /// analysis counts a call of one over a masked value as deciding rows, as a filter does.
    /// </summary>
    private static readonly HashSet<string> SetReturning = new(StringComparer.Ordinal)
    {
        "aclexplode", "generate_series", "generate_subscripts", "json_array_elements", "json_array_elements_text",
        "json_each", "json_each_text", "json_object_keys", "json_populate_recordset", "json_to_recordset",
        "jsonb_array_elements", "jsonb_array_elements_text", "jsonb_each", "jsonb_each_text", "jsonb_object_keys",
        "jsonb_path_query", "jsonb_path_query_tz", "jsonb_populate_recordset", "jsonb_to_recordset",
        "pg_available_extension_versions", "pg_available_extensions", "pg_config", "pg_cursor",
        "pg_event_trigger_ddl_commands", "pg_event_trigger_dropped_objects", "pg_extension_update_paths",
        "pg_get_backend_memory_contexts", "pg_get_catalog_foreign_keys", "pg_get_keywords",
        "pg_get_multixact_members", "pg_get_publication_tables", "pg_get_replication_slots",
        "pg_get_shmem_allocations", "pg_get_wal_resource_managers", "pg_hba_file_rules", "pg_ident_file_mappings",
        "pg_listening_channels", "pg_lock_status", "pg_logical_slot_get_binary_changes",
        "pg_logical_slot_get_changes", "pg_logical_slot_peek_binary_changes", "pg_logical_slot_peek_changes",
        "pg_ls_archive_statusdir", "pg_ls_dir", "pg_ls_logdir", "pg_ls_logicalmapdir", "pg_ls_logicalsnapdir",
        "pg_ls_replslotdir", "pg_ls_tmpdir", "pg_ls_waldir", "pg_mcv_list_items", "pg_options_to_table",
        "pg_partition_ancestors", "pg_partition_tree", "pg_prepared_statement", "pg_prepared_xact",
        "pg_show_all_file_settings", "pg_show_all_settings", "pg_show_replication_origin_status", "pg_snapshot_xip",
        "pg_stat_get_activity", "pg_stat_get_backend_idset", "pg_stat_get_progress_info",
        "pg_stat_get_recovery_prefetch", "pg_stat_get_slru", "pg_stat_get_subscription", "pg_stat_get_wal_senders",
        "pg_tablespace_databases", "pg_timezone_abbrevs", "pg_timezone_names", "regexp_matches",
        "regexp_split_to_table", "string_to_table", "ts_debug", "ts_parse", "ts_stat", "ts_token_type",
        "txid_snapshot_xip", "unnest",
    };

    public static bool ReturnsSet(string function) => SetReturning.Contains(SqlNames.Unqualified(function));

    /// <summary>
    /// Volatile functions that change nothing another session could see (set_config, like SET,
    /// changes only the session; its dangerous settings have built-in rules of their own).
    /// </summary>
    private static readonly HashSet<string> ReadOnlyVolatile = new(StringComparer.Ordinal)
    {
        "clock_timestamp", "timeofday", "random", "setseed", "set_config", "gen_random_uuid", "currval", "lastval", "pg_sleep", "pg_sleep_for",
        "pg_sleep_until", "current_query", "pg_blocking_pids", "pg_safe_snapshot_blocking_pids", "pg_collation_actual_version",
        "pg_database_collation_actual_version", "pg_control_checkpoint", "pg_control_init", "pg_control_recovery", "pg_control_system",
        "pg_current_wal_flush_lsn", "pg_current_wal_insert_lsn", "pg_current_wal_lsn", "pg_database_size", "pg_get_backend_memory_contexts",
        "pg_get_multixact_members", "pg_get_shmem_allocations", "pg_get_wal_replay_pause_state", "pg_get_wal_resource_managers",
        "pg_indexes_size", "pg_is_in_recovery", "pg_is_wal_replay_paused", "pg_jit_available", "pg_last_committed_xact",
        "pg_last_wal_receive_lsn", "pg_last_wal_replay_lsn", "pg_last_xact_replay_timestamp", "pg_lock_status",
        "pg_notification_queue_usage", "pg_partition_ancestors", "pg_partition_tree", "pg_prepared_xact", "pg_relation_size",
        "pg_table_size", "pg_tablespace_size", "pg_total_relation_size", "pg_sequence_last_value", "pg_stat_clear_snapshot",
        "pg_stat_get_recovery_prefetch", "pg_stat_have_stats", "pg_xact_commit_timestamp", "pg_xact_commit_timestamp_origin",
        "pg_xact_status", "txid_status", "pg_show_replication_origin_status", "pg_isolation_test_session_is_blocked",
        "pg_stat_get_xact_blocks_fetched", "pg_stat_get_xact_blocks_hit", "pg_stat_get_xact_function_calls",
        "pg_stat_get_xact_function_self_time", "pg_stat_get_xact_function_total_time", "pg_stat_get_xact_numscans",
        "pg_stat_get_xact_tuples_deleted", "pg_stat_get_xact_tuples_fetched", "pg_stat_get_xact_tuples_hot_updated",
        "pg_stat_get_xact_tuples_inserted", "pg_stat_get_xact_tuples_returned", "pg_stat_get_xact_tuples_updated",
    };

    /// <summary>
    /// Functions that change the server or act on other sessions: terminate or cancel backends,
    /// reload or rotate configuration and logs, switch WAL, replication slots and origins (whose
    /// changes also carry every row's values), backups, collations, statistics resets, index
    /// maintenance, restore points, promotion.
    /// </summary>
    public static readonly IReadOnlySet<string> ChangeServerState = new HashSet<string>(StringComparer.Ordinal)
    {
        "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "pg_rotate_logfile_old", "pg_switch_wal",
        "pg_create_restore_point", "pg_promote", "pg_wal_replay_pause", "pg_wal_replay_resume", "pg_create_logical_replication_slot",
        "pg_create_physical_replication_slot", "pg_drop_replication_slot", "pg_copy_logical_replication_slot",
        "pg_copy_physical_replication_slot", "pg_replication_slot_advance", "pg_logical_slot_get_changes", "pg_logical_slot_peek_changes",
        "pg_logical_slot_get_binary_changes", "pg_logical_slot_peek_binary_changes", "pg_replication_origin_create",
        "pg_replication_origin_drop", "pg_replication_origin_advance", "pg_replication_origin_session_setup",
        "pg_replication_origin_session_reset", "pg_replication_origin_xact_setup", "pg_replication_origin_xact_reset",
        "pg_replication_origin_progress", "pg_replication_origin_session_progress", "pg_replication_origin_session_is_setup",
        "pg_import_system_collations", "pg_stat_reset", "pg_stat_reset_shared", "pg_stat_reset_single_table_counters",
        "pg_stat_reset_single_function_counters", "pg_stat_reset_slru", "pg_stat_reset_replication_slot", "pg_stat_reset_subscription_stats",
        "pg_log_backend_memory_contexts", "pg_backup_start", "pg_backup_stop", "pg_start_backup", "pg_stop_backup", "pg_nextoid",
        "pg_stop_making_pinned_objects", "pg_export_snapshot", "brin_summarize_new_values", "brin_summarize_range", "brin_desummarize_range",
        "gin_clean_pending_list", "pg_stat_force_next_flush",
    };

    /// <summary>
    /// Stable in the catalog, yet each call in a transaction without one assigns it a transaction
    /// id: it writes nothing, but consumes the server's finite supply of ids, so not read-only.
    /// </summary>
    private static readonly HashSet<string> AssignTransactionId = new(StringComparer.Ordinal) { "txid_current", "pg_current_xact_id" };

    /// <summary>
    /// Proven read-only: on the list of known read-only functions, or every function of that name
    /// the catalog lists is immutable or stable — and not one that changes the server. A name the
    /// catalog does not list (or a catalog that could not be read) proves nothing.
    /// </summary>
    public static bool IsReadOnly(string function, MaskingCatalog? catalog)
    {
        var name = SqlNames.Unqualified(function);
        if (ChangeServerState.Contains(name) || AssignTransactionId.Contains(name) || name.StartsWith("binary_upgrade_", StringComparison.Ordinal))
        {
            return false;
        }

        FunctionFacts? facts = catalog is { Error: null, Functions.Count: > 0 } ? CatalogIndex.For(catalog).FunctionFacts(function) : null;
        if (ReadOnlyVolatile.Contains(name) && facts is not { UserDefined: true } && IsServerQualified(function))
        {
            // Unless a user function of the same name could be the one called.
            return true;
        }

        return facts is { Listed: true, Volatile: false };
    }

    /// <summary>A function of this name may change something: it is not read-only, or the catalog cannot tell.</summary>
    public static bool MayChange(string name, MaskingCatalog? catalog)
    {
        if (ChangeServerState.Contains(name) || AssignTransactionId.Contains(name))
        {
            return true;
        }

        if (catalog is not { Error: null, Functions.Count: > 0 })
        {
            return true;
        }

        var facts = CatalogIndex.For(catalog).FunctionFacts(name);
        return facts.Listed && facts.Volatile && !ReadOnlyVolatile.Contains(name);
    }

    private static bool IsServerQualified(string function) =>
        !function.Contains('.', StringComparison.Ordinal) || SqlNames.WithoutCatalog(function).StartsWith("pg_catalog.", StringComparison.Ordinal);
}
