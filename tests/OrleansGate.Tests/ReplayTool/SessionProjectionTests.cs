using System.Text.Json;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool;

/// <summary>SessionSummary, SessionTimeline, IdentityActivity and TableAccess match a scripted workload exactly.</summary>
public sealed class SessionProjectionTests(PostgresFixture postgres) : ReplayTestBase(postgres)
{
    [Fact]
    public async Task Summary_and_timeline_of_a_scripted_session_match_what_it_did()
    {
        var id = await RunScriptedSessionAsync("proj-" + Token());

        var shown = Json(await ReplayAsync("sessions", "show", id, "--json"));
        var summary = shown.GetProperty("Summary");
        Assert.Equal("alice", summary.GetProperty("Identity").GetString());
        Assert.Equal("main", summary.GetProperty("Target").GetString());
        Assert.Equal(5, summary.GetProperty("Statements").GetInt64());
        Assert.Equal(3, summary.GetProperty("Allowed").GetInt64());
        Assert.Equal(1, summary.GetProperty("Masked").GetInt64());
        Assert.Equal(1, summary.GetProperty("Blocked").GetInt64());
        Assert.Equal(0, summary.GetProperty("Held").GetInt64());
        Assert.Equal(1, summary.GetProperty("Failed").GetInt64());
        Assert.Equal(3 + 3 + 1, summary.GetProperty("RowsOut").GetInt64());
        Assert.Equal(3, summary.GetProperty("MaskedValues").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, summary.GetProperty("End").ValueKind);

        var entries = shown.GetProperty("Timeline").GetProperty("Entries").EnumerateArray().ToList();
        Assert.Equal(Script.Select(s => s.TrimEnd(';')), entries.Select(e => e.GetProperty("Sql").GetString()!.TrimEnd(';')));
        Assert.Equal(["Allow", "Mask", "Allow", "Block", "Allow"], entries.Select(e => e.GetProperty("Action").GetString()));
        var rules = entries.Select(e => e.GetProperty("Rule").GetString()).ToList();
        Assert.Equal(["default:allow", "default:allow", "no-deletes", "default:allow"], new[] { rules[0]!, rules[2]!, rules[3]!, rules[4]! });
        Assert.Equal(["Select", "Select", "Insert", "Delete", "Select"], entries.Select(e => e.GetProperty("Kind").GetString()));
        Assert.Equal(["Completed", "Completed", "Completed", null, "Failed"],
            entries.Select(e => e.GetProperty("Outcome").ValueKind == JsonValueKind.Null ? null : e.GetProperty("Outcome").GetString()));
        Assert.Equal(["SELECT 3", "SELECT 3", "INSERT 0 1", null, null],
            entries.Select(e => e.GetProperty("CommandTag").ValueKind == JsonValueKind.Null ? null : e.GetProperty("CommandTag").GetString()));
        Assert.Equal([3L, 3L, 1L, null, null],
            entries.Select(e => e.GetProperty("Rows").ValueKind == JsonValueKind.Null ? (long?)null : e.GetProperty("Rows").GetInt64()));
        Assert.Equal(["public.customers.ssn (origin)"], entries[1].GetProperty("MaskedColumns").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(3, entries[1].GetProperty("MaskedValues").GetInt64());
        Assert.Equal("22012", entries[4].GetProperty("ErrorSqlState").GetString());

        // The result preview (default 20 rows) holds what psql received, masked values included as masked.
        var preview = entries[0].GetProperty("Preview");
        Assert.Equal(["id", "total"], preview.GetProperty("Columns").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["1|9.99", "2|5", "3|100"],
            preview.GetProperty("Rows").EnumerateArray().Select(r => string.Join('|', r.EnumerateArray().Select(v => v.GetString()))));
        var masked = entries[1].GetProperty("Preview").GetProperty("Rows").EnumerateArray().Select(r => r[1].GetString()).ToList();
        Assert.Equal(3, masked.Count);
        Assert.DoesNotContain("123-45-6789", masked);
        Assert.Equal(JsonValueKind.Null, entries[2].GetProperty("Preview").ValueKind);
        Assert.All(entries.Where(e => e.GetProperty("Outcome").ValueKind != JsonValueKind.Null),
            e => Assert.True(e.GetProperty("DurationMs").GetDouble() >= 0));
        var offsets = entries.Select(e => e.GetProperty("OffsetMs").GetDouble()).ToList();
        Assert.Equal(offsets.Order(), offsets);

        // The async projections agree with the live fold once a listing has caught them up, and an
        // auditor reads the same numbers with plain SQL.
        var listed = Json(await ReplayAsync("sessions", "list", "--identity", "alice", "--json")).EnumerateArray()
            .Single(s => s.GetProperty("Id").GetString() == id);
        Assert.Equal(5, listed.GetProperty("Statements").GetInt64());
        Assert.Equal(1, listed.GetProperty("Blocked").GetInt64());

        await using var audit = new NpgsqlConnection(Postgres.AuditConnectionString);
        await audit.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT (data->>'Statements')::int, (data->>'Masked')::int, (data->>'Blocked')::int, (data->>'RowsOut')::int,
                   (SELECT count(*) FROM og_audit.mt_doc_sessiontimeline t, jsonb_array_elements(t.data->'Entries') e
                     WHERE t.id = s.id AND e->>'Action' = 'Block')
              FROM og_audit.mt_doc_sessionsummary s WHERE id = @id
            """, audit);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal([5, 1, 1, 7], Enumerable.Range(0, 4).Select(reader.GetInt32));
        Assert.Equal(1L, reader.GetInt64(4));
    }

    [Fact]
    public async Task Table_access_and_identity_activity_count_reads_writes_masks_and_blocks()
    {
        var before = Json(await ReplayAsync("query", "tables", "--identity", "alice", "--target", "main", "--json"));
        var activityBefore = Json(await ReplayAsync("query", "identities", "--identity", "alice", "--since", "1d", "--json"));
        var id = await RunScriptedSessionAsync("access-" + Token());
        var received = (await AuditRecord.ReadAsync(Postgres, id)).Where(e => e.IsReceived).ToList();
        long Naming(string list, string relation) =>
            received.Count(e => e.Data.ListOf(list).Any(r => r.GetString() == relation));
        var after = Json(await ReplayAsync("query", "tables", "--identity", "alice", "--target", "main", "--json"));
        var activityAfter = Json(await ReplayAsync("query", "identities", "--identity", "alice", "--since", "1d", "--json"));

        long Count(JsonElement rows, string relation, string field) =>
            rows.EnumerateArray().Where(r => r.GetProperty("Relation").GetString() == relation).Sum(r => r.GetProperty(field).GetInt64());
        long Delta(string relation, string field) => Count(after, relation, field) - Count(before, relation, field);

        // orders: read by the first SELECT (and by the INSERT … SELECT if the parser lists it as read
        // too), written by the INSERT and the (blocked) DELETE.
        Assert.Equal(Naming("RelationsRead", "orders"), Delta("orders", "Reads"));
        Assert.InRange(Delta("orders", "Reads"), 1, 2);
        Assert.Equal(2, Naming("RelationsWritten", "orders"));
        Assert.Equal(2, Delta("orders", "Writes"));
        Assert.Equal(1, Delta("orders", "Blocked"));
        Assert.Equal(0, Delta("orders", "Masked"));
        Assert.Equal(1, Delta("customers", "Reads"));
        Assert.Equal(1, Delta("customers", "Masked"));
        Assert.Equal(0, Delta("customers", "Blocked"));

        long Activity(JsonElement rows, string field) => rows.EnumerateArray().Sum(r => r.GetProperty(field).GetInt64());
        Assert.Equal(1, Activity(activityAfter, "Sessions") - Activity(activityBefore, "Sessions"));
        Assert.Equal(5, Activity(activityAfter, "Statements") - Activity(activityBefore, "Statements"));
        Assert.Equal(1, Activity(activityAfter, "Blocked") - Activity(activityBefore, "Blocked"));
        Assert.Equal(1, Activity(activityAfter, "Masked") - Activity(activityBefore, "Masked"));

        foreach (var table in new[] { "tables", "identities", "decisions" })
        {
            var printed = await ReplayAsync("query", table, "--identity", "alice");
            Assert.True(printed.ExitCode == 0, printed.Output);
            Assert.Contains("alice", printed.StandardOutput, StringComparison.Ordinal);
        }

        var decisions = Json(await ReplayAsync("query", "decisions", "--identity", "alice", "--since", "10m", "--decision", "blocked", "--json"));
        Assert.Contains(decisions.EnumerateArray(), d => d.GetProperty("Sql").GetString() == Script[3].TrimEnd(';') &&
                                                          d.GetProperty("Rule").GetString() == "no-deletes");
    }
}
