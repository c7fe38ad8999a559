using System.Text.Json;
using Npgsql;

namespace OrleansGate.Tests.Support;

/// <summary>One event as Marten stored it in the audit database, with the time its transaction committed.</summary>
public sealed record RecordedEvent(string StreamId, long Version, string Type, JsonElement Data, DateTime? CommittedAt)
{
    /// <summary>A property's text; empty when it is null or absent (the record omits null properties).</summary>
    public string Text(string property) =>
        Data.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : string.Empty;

    public long Sequence => Data.TryGetProperty("Sequence", out var s) ? s.GetInt64() : 0;

    /// <summary>The row says what arrived: a StatementReceived, or a StatementDecided (arrival and decision in one row).</summary>
    public bool IsReceived => Type is "statement_received" or "statement_decided";

    /// <summary>The row says what was decided: a DecisionMade, or a StatementDecided.</summary>
    public bool IsDecision => Type is "decision_made" or "statement_decided";
}

/// <summary>
/// An event's JSON read as an auditor reads it: a StatementDecided leaves out its empty lists and
/// false flags, so an absent list is empty and an absent flag false.
/// </summary>
public static class RecordJson
{
    public static IReadOnlyList<JsonElement> ListOf(this JsonElement data, string property) =>
        data.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : [];

    public static bool FlagOf(this JsonElement data, string property) =>
        data.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.True;
}

/// <summary>Reads the audit record straight from its tables, the way an auditor with SQL would.</summary>
public static class AuditRecord
{
    public static async Task<List<RecordedEvent>> ReadAsync(PostgresFixture postgres, string? streamId = null, bool withCommitTimes = false)
    {
        await using var connection = new NpgsqlConnection(postgres.AuditConnectionString);
        await connection.OpenAsync();
        var committed = withCommitTimes ? "pg_xact_commit_timestamp(xmin)" : "NULL::timestamptz";
        await using var command = new NpgsqlCommand(
            $"SELECT stream_id, version, type, data::text, {committed} FROM og_audit.mt_events " +
            "WHERE (@stream::text IS NULL OR stream_id = @stream) ORDER BY seq_id", connection);
        command.Parameters.AddWithValue("stream", (object?)streamId ?? DBNull.Value);
        var events = new List<RecordedEvent>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            using var document = JsonDocument.Parse(reader.GetString(3));
            events.Add(new RecordedEvent(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), document.RootElement.Clone(),
                reader.IsDBNull(4) ? null : reader.GetDateTime(4)));
        }

        return events;
    }

    /// <summary>
    /// How statements ended, wherever the record keeps it: a StatementCompleted row, or an entry of
    /// a StatementDecided's <c>Completed</c> (the outcomes carried by the next decision). Each comes
    /// back as a statement_completed event of the row's stream (stream and version of the row carrying it).
    /// </summary>
    public static List<RecordedEvent> Completions(this IEnumerable<RecordedEvent> rows) =>
        rows.SelectMany(row => row.Type switch
        {
            "statement_completed" => [row],
            "statement_decided" when row.Data.TryGetProperty("Completed", out var completed) =>
                completed.EnumerateArray().Select(c => row with { Type = "statement_completed", Data = c }),
            _ => Enumerable.Empty<RecordedEvent>(),
        }).ToList();

    /// <summary>The stream of the session whose client set this application_name (tests make it unique).</summary>
    public static async Task<List<RecordedEvent>> SessionOfApplicationAsync(PostgresFixture postgres, string applicationName)
    {
        var all = await ReadAsync(postgres);
        var started = all.Single(e => e.Type == "session_started" && e.Text("ApplicationName") == applicationName);
        return all.Where(e => e.StreamId == started.StreamId).ToList();
    }

    /// <summary>The whole stream of that session once its SessionEnded is in (written just after the client has gone).</summary>
    public static async Task<List<RecordedEvent>> EndedSessionOfApplicationAsync(PostgresFixture postgres, string applicationName,
        TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (DateTime.UtcNow < deadline)
        {
            var stream = await SessionOfApplicationAsync(postgres, applicationName);
            if (stream[^1].Type == "session_ended")
            {
                return stream;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the session of {applicationName} never ended in the record");
    }
}
