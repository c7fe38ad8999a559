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
/// One pass over the SessionStarted rows of <c>mt_events</c> per sweep (a scan of the table;
/// the rest are lookups by stream id), which is why sweeps are minutes apart by default.
/// </remarks>
public sealed class AbandonedSessions(AuditStoreOptions options)
{
    public async Task<IReadOnlyList<AbandonedSession>> FindAsync(IReadOnlyList<string> liveProxies, TimeSpan grace, int limit,
        CancellationToken cancellationToken = default)
    {
        var schema = options.Schema;
        await using var connection = new NpgsqlConnection(options.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            SELECT s.stream_id, s.data ->> 'Proxy', last.type
            FROM {schema}.mt_events s
            CROSS JOIN LATERAL (
                SELECT e.type, e.timestamp FROM {schema}.mt_events e
                WHERE e.stream_id = s.stream_id ORDER BY e.version DESC LIMIT 1) last
            WHERE s.type = 'session_started'
              AND s.data ->> 'Proxy' IS NOT NULL
              AND NOT (s.data ->> 'Proxy' = ANY (@live))
              AND last.timestamp < now() - @grace
              AND NOT EXISTS (SELECT 1 FROM {schema}.mt_events e WHERE e.stream_id = s.stream_id AND e.type = 'session_ended')
              AND NOT EXISTS (SELECT 1 FROM {schema}.{ProxyHeartbeats.Table} h
                              WHERE h.proxy = s.data ->> 'Proxy' AND h.seen >= now() - @grace)
            ORDER BY s.seq_id
            LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("live", liveProxies.ToArray());
        command.Parameters.AddWithValue("grace", grace);
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
