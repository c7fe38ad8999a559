using Microsoft.AspNetCore.Http;
using Npgsql;

namespace OrleansGate.Silo.Admin.Audit;

/// <summary>
/// Whose session a stream is and how long it is, from one indexed lookup: the stream's row and the
/// identity of its first <c>session_started</c> event (LIMIT 1). The timeline, transcript and
/// verification check access with it before they read a stream, so a caller who may not read a
/// session never makes the silo read or fold it (nor learns by the time taken whether it exists),
/// and a stream longer than <see cref="MaxEvents"/> is not read whole into one answer.
/// </summary>
public sealed record SessionRecordHead(string? Identity, long Events)
{
    /// <summary>
    /// The most events a session's timeline, transcript or verification reads through the admin
    /// API; a longer session is read with the replay tool (<c>sessions play</c>, <c>verify</c>).
    /// </summary>
    public const long MaxEvents = 50_000;

    /// <summary>A session id as the gateway makes them (and as the SQL may see one): up to 64 ASCII letters and digits.</summary>
    public static bool IsSessionId(string id) => id.Length is > 0 and <= 64 && id.All(char.IsAsciiLetterOrDigit);

    /// <summary>The head of the session's stream, or null when the record has no such stream.</summary>
    public static async Task<SessionRecordHead?> ReadAsync(AuditReadModel audit, string id, CancellationToken cancellationToken)
    {
        await using var connection = await audit.OpenAsync(cancellationToken).ConfigureAwait(false);
        // The schema is a plain name (AuditReadModel.Schema); the id a parameter.
        await using var command = new NpgsqlCommand(
            $"""
             SELECT s.version,
                    (SELECT e.data->>'Identity' FROM {audit.Schema}.mt_events e
                      WHERE e.stream_id = s.id AND e.type = 'session_started' ORDER BY e.version LIMIT 1)
               FROM {audit.Schema}.mt_streams s WHERE s.id = @id
             """, connection);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new SessionRecordHead(reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(0) ? 0 : Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture))
            : null;
    }

    /// <summary>The answer for a session longer than <see cref="MaxEvents"/> (to a caller who may read it).</summary>
    public IResult TooLong(string id) => AdminResults.Error(StatusCodes.Status413PayloadTooLarge,
        $"session '{id}' has {Events} events, more than the admin API reads ({MaxEvents}): read it with the replay tool (sessions play, verify)");

    /// <summary>Whether <paramref name="who"/> may read this session: administrators and auditors any, others one that names them.</summary>
    public bool ReadableBy(AdminAccess access, Grains.Approvals.Approver who) =>
        access.ReadsEverything(who) || (Identity is not null && access.MayRead(who, Identity));
}
