using Npgsql;
using OrleansGate.Grains.Audit;

namespace OrleansGate.Grains.Sessions.Sweeping;

/// <summary>An unsealed session whose proxy shows no sign of life.</summary>
/// <param name="LastEventType">Marten's type of the stream's last event (e.g. <c>decision_made</c>).</param>
public sealed record AbandonedSession(string SessionId, string Proxy, string LastEventType)
{
    /// <summary>
    /// A StatementCompleted is only ever last in the commit that also writes SessionEnded, so a
    /// stream that ends on one lost its seal afterwards: tampering, not a crash. Sealing it would
    /// hide the cut, so the sweeper leaves it for verify to report (missing-seal).
    /// </summary>
    public bool LostItsSeal => LastEventType == "statement_completed";
}

/// <summary>
/// Finds, with SQL on Marten's tables in the audit database, the sessions to seal: a SessionStarted
/// that names its proxy, no SessionEnded, a proxy that is not subscribed to this gateway's session
/// directory and has no heartbeat younger than the grace, and no event younger than the grace
/// either. Sessions recorded without a proxy (before SessionStarted version 2) are never taken.
/// </summary>
/// <remarks>
/// Starts from <c>mt_streams</c> (one row per session, with the time of its last append) rather
/// than <c>mt_events</c> (every event ever): only streams idle longer than the grace are looked at,
/// each with two lookups by Marten's unique (stream, version) index — its first event and its last.
/// </remarks>
public sealed class AbandonedSessions(AuditStoreOptions options)
{
    /// <summary>"Now" is the audit database's, moved by <paramref name="ahead"/> (<see cref="LivenessClock.AheadOfSystem"/>).</summary>
    public async Task<IReadOnlyList<AbandonedSession>> FindAsync(IReadOnlyList<string> liveProxies, TimeSpan grace, TimeSpan ahead, int limit,
        CancellationToken cancellationToken = default)
    {
        var schema = options.Schema;
        await using var connection = new NpgsqlConnection(options.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            SELECT st.id, started.data ->> 'Proxy', last.type
            FROM {schema}.mt_streams st
            JOIN {schema}.mt_events last ON last.stream_id = st.id AND last.version = st.version
            JOIN {schema}.mt_events started ON started.stream_id = st.id AND started.version = 1
            WHERE st.timestamp < now() + @ahead - @grace
              AND last.type <> 'session_ended'
              AND started.type = 'session_started'
              AND started.data ->> 'Proxy' IS NOT NULL
              AND NOT (started.data ->> 'Proxy' = ANY (@live))
              AND NOT EXISTS (SELECT 1 FROM {schema}.{ProxyHeartbeats.Table} h
                              WHERE h.proxy = started.data ->> 'Proxy' AND h.seen >= now() + @ahead - @grace)
            ORDER BY st.timestamp
            LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("live", liveProxies.ToArray());
        command.Parameters.AddWithValue("grace", grace);
        command.Parameters.AddWithValue("ahead", ahead);
        command.Parameters.AddWithValue("limit", limit);
        var found = new List<AbandonedSession>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(new AbandonedSession(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return found;
    }
}
