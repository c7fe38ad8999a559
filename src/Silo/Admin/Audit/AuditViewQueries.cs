using Npgsql;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Audit.Verification;
using static OrleansGate.Silo.Admin.Audit.AuditViewEndpoints;

namespace OrleansGate.Silo.Admin.Audit;

/// <summary>A held request, as the record tells it: who asked for what, and how it ended.</summary>
public sealed record HoldOutcome(string ApprovalId, string Session, string Requester, string Target, string Rule, DateTimeOffset RequestedAt,
    string Outcome, string? DecidedBy, string? Reason, DateTimeOffset? DecidedAt);

/// <summary>The held requests of a window: the newest (bounded), and how all of them ended, counted.</summary>
public sealed record Holds(int Days, IReadOnlyList<HoldOutcome> Requests, IReadOnlyDictionary<string, long> Outcomes);

/// <summary>
/// The SQL behind the audit views: aggregates Marten's LINQ does not express. <c>schema</c> is a
/// plain name (<see cref="AuditReadModel.Schema"/>); everything else is a parameter.
/// </summary>
internal static class AuditViewQueries
{
    /// <summary>
    /// Per table (as statements named it) on each target: statements that read it in the window,
    /// the rows those statements returned (or changed) when they ran, and how many were masked,
    /// blocked or held. From the timelines, which keep each statement's relations and row count.
    /// </summary>
    public static async Task<IReadOnlyList<TableRows>> TopTablesAsync(NpgsqlConnection connection, string schema, DateTimeOffset since, int top,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT t.data->>'Target', rel, count(*),
                   coalesce(sum((e->>'Rows')::bigint) FILTER (WHERE e->>'Outcome' IN ('Completed', 'Suspended')), 0),
                   count(*) FILTER (WHERE e->>'Action' = 'Mask'),
                   count(*) FILTER (WHERE e->>'Action' = 'Block'),
                   count(*) FILTER (WHERE e->>'Action' = 'Hold')
              FROM {schema}.mt_doc_sessiontimeline t
             CROSS JOIN LATERAL jsonb_array_elements(t.data->'Entries') e
             CROSS JOIN LATERAL jsonb_array_elements_text(e->'RelationsRead') rel
             WHERE (t.data->>'End' IS NULL OR (t.data->>'End')::timestamptz >= @since)
               AND (e->>'ReceivedAt')::timestamptz >= @since
             GROUP BY 1, 2
             ORDER BY 4 DESC, 3 DESC, 2
             LIMIT @top
            """, connection);
        command.Parameters.AddWithValue("since", since);
        command.Parameters.AddWithValue("top", top);
        var rows = new List<TableRows>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new TableRows(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetInt64(5), reader.GetInt64(6)));
        }

        return rows;
    }

    /// <summary>How a request ended: its first denial, expiry or withdrawal, or the approval that released it.</summary>
    private static string Requested(string schema) => $"""
        WITH requested AS (
          SELECT r.stream_id, r.seq_id, r.data FROM {schema}.mt_events r
           WHERE r.type = '{ChainVerifier.SnakeCase(nameof(ApprovalRequested))}' AND (r.data->>'At')::timestamptz >= @since),
        ended AS (
          SELECT q.stream_id, q.seq_id, q.data, o.type AS outcome, o.data AS decision
            FROM requested q
            LEFT JOIN LATERAL (
              SELECT e.type, e.data FROM {schema}.mt_events e
               WHERE e.stream_id = q.stream_id AND e.data->>'ApprovalId' = q.data->>'ApprovalId'
                 AND (e.type IN ('{ChainVerifier.SnakeCase(nameof(ApprovalDenied))}', '{ChainVerifier.SnakeCase(nameof(ApprovalExpired))}',
                                 '{ChainVerifier.SnakeCase(nameof(ApprovalWithdrawn))}')
                      OR (e.type = '{ChainVerifier.SnakeCase(nameof(ApprovalGranted))}' AND (e.data->>'Final')::boolean))
               ORDER BY e.version LIMIT 1) o ON true)
        """;

    public static async Task<Holds> HoldsAsync(NpgsqlConnection connection, string schema, int days, DateTimeOffset since, int max,
        CancellationToken cancellationToken)
    {
        var requests = new List<HoldOutcome>();
        await using (var command = new NpgsqlCommand(Requested(schema) + """
                         SELECT data->>'ApprovalId', stream_id, data->>'Requester', data->>'Target', data->>'Rule', (data->>'At')::timestamptz,
                                outcome, decision->>'Approver', decision->>'Reason', (decision->>'At')::timestamptz
                           FROM ended ORDER BY seq_id DESC LIMIT @max
                         """, connection))
        {
            command.Parameters.AddWithValue("since", since);
            command.Parameters.AddWithValue("max", max);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                requests.Add(new HoldOutcome(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.GetFieldValue<DateTimeOffset>(5), OutcomeOf(reader.IsDBNull(6) ? null : reader.GetString(6)),
                    reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                    reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9)));
            }
        }

        var outcomes = new[] { "approved", "denied", "expired", "withdrawn", "pending" }.ToDictionary(o => o, _ => 0L, StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(Requested(schema) + "SELECT outcome, count(*) FROM ended GROUP BY outcome", connection))
        {
            command.Parameters.AddWithValue("since", since);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                outcomes[OutcomeOf(reader.IsDBNull(0) ? null : reader.GetString(0))] += reader.GetInt64(1);
            }
        }

        return new Holds(days, requests, outcomes);
    }

    private static string OutcomeOf(string? eventType) => eventType switch
    {
        null => "pending",
        _ when eventType == ChainVerifier.SnakeCase(nameof(ApprovalGranted)) => "approved",
        _ when eventType == ChainVerifier.SnakeCase(nameof(ApprovalDenied)) => "denied",
        _ when eventType == ChainVerifier.SnakeCase(nameof(ApprovalExpired)) => "expired",
        _ => "withdrawn",
    };
}
