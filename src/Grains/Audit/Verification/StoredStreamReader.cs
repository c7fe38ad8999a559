using Npgsql;

namespace OrleansGate.Grains.Audit.Verification;

/// <summary>
/// Reads session streams straight from Marten's tables (<c>mt_streams</c>, <c>mt_events</c>), the
/// way an auditor with SQL would, so nothing Marten does on read can hide a change: what
/// <see cref="ChainVerifier"/> checks. The replay tool's <c>verify</c> and the admin API's
/// <c>GET /sessions/{id}/verification</c> both read through it.
/// </summary>
/// <param name="schema">A plain schema name (the caller validated it: it is part of the SQL).</param>
public sealed class StoredStreamReader(string connectionString, string schema)
{
    /// <summary>Every session stream (or the one named), one at a time, rows in stream version order.</summary>
    public async IAsyncEnumerable<StoredStream> StreamsAsync(string? sessionId,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var streamVersions = new Dictionary<string, long>(StringComparer.Ordinal);
        var archivedStreams = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
                         $"SELECT id, version, coalesce(is_archived, false) FROM {schema}.mt_streams WHERE (@id::text IS NULL OR id = @id)", connection))
        {
            command.Parameters.AddWithValue("id", (object?)sessionId ?? DBNull.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                streamVersions[reader.GetString(0)] = reader.IsDBNull(1) ? 0 : reader.GetInt64(1);
                if (reader.GetBoolean(2))
                {
                    archivedStreams.Add(reader.GetString(0));
                }
            }
        }

        StoredStream Stream(string id, IReadOnlyList<StoredEvent> rows) =>
            new(id, rows, streamVersions.TryGetValue(id, out var v) ? v : null, archivedStreams.Contains(id));

        var seen = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
                         $"SELECT stream_id, version, seq_id, type, data::text, mt_dotnet_type, coalesce(is_archived, false) FROM {schema}.mt_events " +
                         "WHERE (@id::text IS NULL OR stream_id = @id) ORDER BY stream_id, version, seq_id", connection))
        {
            command.Parameters.AddWithValue("id", (object?)sessionId ?? DBNull.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            string? current = null;
            var rows = new List<StoredEvent>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var stream = reader.GetString(0);
                if (current is not null && stream != current)
                {
                    seen.Add(current);
                    yield return Stream(current, rows);
                    rows = [];
                }

                current = stream;
                rows.Add(new StoredEvent(reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetBoolean(6)));
            }

            if (current is not null)
            {
                seen.Add(current);
                yield return Stream(current, rows);
            }
        }

        // Streams whose every event was deleted still have their mt_streams row.
        foreach (var id in streamVersions.Keys.Where(id => !seen.Contains(id)).Order(StringComparer.Ordinal))
        {
            yield return Stream(id, []);
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var check = new NpgsqlCommand("SELECT to_regclass(@events) IS NOT NULL", connection);
            check.Parameters.AddWithValue("events", $"{schema}.mt_events");
            if (await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                throw new AuditRecordUnreadableException($"the audit database has no {schema}.mt_events table: not an OrleansGate audit store?");
            }

            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new AuditRecordUnreadableException($"cannot reach the audit store: {e.Message}");
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>The audit record could not be read (unreachable, or not an OrleansGate audit store); the message says which.</summary>
public sealed class AuditRecordUnreadableException(string message) : Exception(message);
