namespace OrleansGate.Proxy.Startup;

/// <summary>
/// Which startup parameters a client may pass through to the upstream server. Every startup
/// parameter other than user and database is applied by PostgreSQL as a setting of the session,
/// so an unfiltered list would let a client send <c>role=postgres</c>, <c>options=-c role=…</c>
/// or <c>session_authorization</c>. Only settings that change presentation or client-side
/// behaviour are allowed; everything else is refused, never dropped silently.
/// </summary>
public sealed class StartupParameterPolicy
{
    /// <summary>Forwarded by default; all of them are ordinary user-settable GUCs.</summary>
    public static readonly IReadOnlyList<string> DefaultAllowed =
    [
        "application_name", "client_encoding", "DateStyle", "TimeZone", "IntervalStyle", "search_path",
        "extra_float_digits", "bytea_output", "lc_monetary", "lc_numeric", "lc_time", "statement_timeout",
        "lock_timeout", "idle_in_transaction_session_timeout", "default_transaction_isolation",
        "default_transaction_read_only", "default_transaction_deferrable", "standard_conforming_strings",
        "geqo", "jit",
    ];

    // Parameters that change who the session is, what it can reach, or how the connection works.
    private static readonly HashSet<string> NeverForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "options", "replication", "role", "session_authorization", "user", "database",
        "session_preload_libraries", "local_preload_libraries", "shared_preload_libraries",
        "default_tablespace", "temp_tablespaces", "row_security", "log_statement", "log_min_duration_statement",
    };

    private readonly HashSet<string> _allowed;

    public StartupParameterPolicy(IEnumerable<string> extraAllowed)
    {
        _allowed = new HashSet<string>(DefaultAllowed, StringComparer.OrdinalIgnoreCase);
        foreach (var name in extraAllowed)
        {
            if (!IsNeverForwarded(name))
            {
                _allowed.Add(name);
            }
        }
    }

    public static bool IsNeverForwarded(string name) => NeverForwarded.Contains(name);

    /// <summary>True for protocol options ("_pq_." prefix, §55.2.1): answered in NegotiateProtocolVersion, not forwarded.</summary>
    public static bool IsProtocolOption(string name) => name.StartsWith("_pq_.", StringComparison.Ordinal);

    public bool IsForwarded(string name) => _allowed.Contains(name);
}
