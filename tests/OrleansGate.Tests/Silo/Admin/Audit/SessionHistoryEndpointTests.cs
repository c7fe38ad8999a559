using System.Net;
using System.Text.Json;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Audit;

/// <summary>
/// GET /audit/sessions (the history from SessionSummary) and GET /sessions/{id}/verification (the
/// chain recomputed from mt_events): the filters, who sees what, and a tampered row showing as broken.
/// </summary>
public sealed class SessionHistoryEndpointTests(PostgresFixture postgres) : AuditRecordTestBase(postgres)
{
    [Fact]
    public async Task The_history_filters_by_identity_target_time_decision_and_held_or_blocked()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var quiet = await SessionIdAsync(await RunSessionAsync("alice", "SELECT 1"));
        var refused = await SessionIdAsync(await RunSessionAsync("alice", "SELECT count(*) FROM customers", Blocked));
        var bobs = await SessionIdAsync(await RunSessionAsync("bob", "SELECT name FROM customers"));
        string[] Ids(IEnumerable<JsonElement> sessions) => [.. sessions.Select(s => s.GetProperty("id").GetString()!)];

        Assert.Equal([bobs, refused, quiet], Ids(await HistoryAsync(DanaToken)));
        Assert.Equal([refused, quiet], Ids(await HistoryAsync(DanaToken, "?identity=alice")));
        Assert.Equal([refused], Ids(await HistoryAsync(DanaToken, "?decision=blocked")));
        Assert.Equal([refused], Ids(await HistoryAsync(DanaToken, "?flagged=true")));
        Assert.Equal([bobs, refused, quiet], Ids(await HistoryAsync(DanaToken, "?target=main&decision=allowed")));
        Assert.Empty(await HistoryAsync(DanaToken, "?target=md5"));
        Assert.Equal([bobs, refused, quiet], Ids(await HistoryAsync(DanaToken, $"?from={Uri.EscapeDataString(before.ToString("O"))}")));
        Assert.Empty(await HistoryAsync(DanaToken, $"?to={Uri.EscapeDataString(before.ToString("O"))}"));
        Assert.Equal([bobs], Ids(await HistoryAsync(DanaToken, "?limit=1")));

        var listed = (await HistoryAsync(DanaToken, "?decision=blocked")).Single();
        Assert.Equal("alice", listed.GetProperty("identity").GetString());
        Assert.Equal(2, listed.GetProperty("statements").GetInt64());
        Assert.Equal(1, listed.GetProperty("blocked").GetInt64());
        Assert.False(listed.GetProperty("live").GetBoolean());

        Assert.Equal(HttpStatusCode.BadRequest, (await Admin(DanaToken).GetAsync("audit/sessions?decision=sometimes")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Admin(DanaToken).GetAsync("audit/sessions?from=yesterday")).StatusCode);
    }

    [Fact]
    public async Task Others_see_only_their_own_sessions_and_their_own_verification()
    {
        var alices = await SessionIdAsync(await RunSessionAsync("alice", Blocked));
        var bobs = await SessionIdAsync(await RunSessionAsync("bob", "SELECT 1"));

        var asBob = await HistoryAsync(BobToken);
        Assert.Equal([bobs], asBob.Select(s => s.GetProperty("id").GetString()));
        Assert.Empty(await HistoryAsync(BobToken, "?identity=alice"));
        Assert.Empty(await HistoryAsync(CarolToken));
        Assert.Equal(2, (await HistoryAsync(ErinToken)).Count);

        Assert.Equal(HttpStatusCode.NotFound, (await Admin(BobToken).GetAsync($"sessions/{alices}/verification")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin(CarolToken).GetAsync($"sessions/{alices}/verification")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin(BobToken).GetAsync($"sessions/{alices}/transcript")).StatusCode);
        var own = await Admin(AliceToken).GetAsync($"sessions/{alices}/verification");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.True((await JsonOf(own)).GetProperty("intact").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await Admin(DanaToken).GetAsync("sessions/0123456789abcdef0123456789abcdef/verification")).StatusCode);
    }

    [Fact]
    public async Task Access_is_decided_from_the_streams_head_and_a_stream_too_long_is_not_read()
    {
        var alices = await SessionIdAsync(await RunSessionAsync("alice", "SELECT 1"));
        string[] reads = ["timeline", "transcript", "verification"];
        foreach (var read in reads)
        {
            Assert.Equal(HttpStatusCode.OK, (await Admin(AliceToken).GetAsync($"sessions/{alices}/{read}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Admin(DanaToken).GetAsync($"sessions/{alices}/{read}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await Admin(BobToken).GetAsync($"sessions/{alices}/{read}")).StatusCode);
        }

        // The stream's head says it is longer than the API reads: its owner is told so; anyone else still gets 404.
        await TamperAsync("UPDATE <s>.mt_streams SET version = 50001 WHERE id = @id", alices);
        foreach (var read in reads)
        {
            var own = await Admin(AliceToken).GetAsync($"sessions/{alices}/{read}");
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, own.StatusCode);
            Assert.Equal($"session '{alices}' has 50001 events, more than the admin API reads (50000): read it with the replay tool (sessions play, verify)",
                (await JsonOf(own)).GetProperty("error").GetString());
            var other = await Admin(BobToken).GetAsync($"sessions/{alices}/{read}");
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            Assert.Equal($"no session '{alices}' in the record", (await JsonOf(other)).GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task A_sealed_session_verifies_and_one_changed_row_in_mt_events_shows_broken()
    {
        var id = await SessionIdAsync(await RunSessionAsync("alice", "SELECT name FROM customers WHERE id = 1", Blocked));

        var intact = await JsonOf(await Admin(DanaToken).GetAsync($"sessions/{id}/verification"));
        Assert.True(intact.GetProperty("intact").GetBoolean(), intact.ToString());
        Assert.Equal("sealed", intact.GetProperty("status").GetString());
        Assert.True(intact.GetProperty("sealed").GetBoolean());

        // The SQL of the first statement, rewritten in place: the row's hash no longer verifies.
        await TamperAsync("""
            UPDATE <s>.mt_events SET data = jsonb_set(data, '{Sql}', to_jsonb('SELECT 1'::text))
             WHERE stream_id = @id AND data->>'Sql' = 'SELECT name FROM customers WHERE id = 1'
            """, id);

        var broken = await JsonOf(await Admin(DanaToken).GetAsync($"sessions/{id}/verification"));
        Assert.False(broken.GetProperty("intact").GetBoolean(), broken.ToString());
        Assert.Equal("tampered", broken.GetProperty("status").GetString());
        Assert.Equal("modified", broken.GetProperty("kind").GetString());
        Assert.Contains("does not verify", broken.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_transcript_renders_each_statement_as_sessions_play_does()
    {
        var id = await SessionIdAsync(await RunSessionAsync("alice", "SELECT count(*) FROM customers", Blocked));

        var transcript = await JsonOf(await Admin(DanaToken).GetAsync($"sessions/{id}/transcript"));
        var statements = transcript.GetProperty("statements").EnumerateArray().Select(s => s.GetProperty("lines").EnumerateArray()
            .Select(l => l.GetString()!).ToList()).ToList();
        Assert.Equal(2, statements.Count);
        Assert.Equal("alice@main=> SELECT count(*) FROM customers;", statements[0][0]);
        Assert.Contains("SELECT 1", statements[0]);
        Assert.Equal("alice@main=> " + Blocked + ";", statements[1][0]);
        Assert.Contains(statements[1], l => l.StartsWith("-- blocked by rule 'default:", StringComparison.Ordinal));
    }
}
