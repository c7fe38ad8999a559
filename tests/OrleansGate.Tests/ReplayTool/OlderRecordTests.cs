using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Audit.Verification;
using OrleansGate.Grains.Sessions;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool;

/// <summary>
/// Records written by earlier releases still verify, replay and project, and say exactly what the
/// current record of the same session says: the three-event shape (StatementCompleted of the
/// earlier ones, StatementReceived, DecisionMade), and the rows of the release of 2026-12-07
/// (one event per statement, each row storing its PrevHash, and the decision its session's id).
/// </summary>
public sealed class OlderRecordTests(PostgresFixture postgres) : ReplayTestBase(postgres)
{
    [Fact]
    public async Task A_session_recorded_in_the_three_event_shape_verifies_and_replays_like_the_one_event_shape()
    {
        var current = await RunScriptedSessionAsync("shape-" + Token());
        var tablesBefore = Json(await ReplayAsync("query", "tables", "--identity", "alice", "--target", "main", "--json"));
        var older = "older-" + Token();
        var written = await WriteInOlderShapeAsync(current, older);
        Assert.Contains(written, e => e is StatementReceived);
        Assert.DoesNotContain(written, e => e is StatementDecided);

        // The chain of each shape verifies with the same key (and --json prints JSON alone, for jq).
        foreach (var id in new[] { current, older })
        {
            var result = Json(await ReplayAsync("verify", id, "--json")).GetProperty("results").EnumerateArray().Single();
            Assert.Equal("sealed", result.GetProperty("status").GetString());
        }

        // The timeline and the summary of the older record are those of the current one.
        var shownCurrent = Json(await ReplayAsync("sessions", "show", current, "--json"));
        var shownOlder = Json(await ReplayAsync("sessions", "show", older, "--json"));
        Assert.Equal(5, shownOlder.GetProperty("Summary").GetProperty("Statements").GetInt64());
        Assert.Equal(Comparable(shownCurrent.GetProperty("Timeline"), current), Comparable(shownOlder.GetProperty("Timeline"), older));
        Assert.Equal(Comparable(shownCurrent.GetProperty("Summary"), current), Comparable(shownOlder.GetProperty("Summary"), older));

        // And the table-access counts grow by what the session did, once more.
        var tablesAfter = Json(await ReplayAsync("query", "tables", "--identity", "alice", "--target", "main", "--json"));
        long Count(JsonElement rows, string relation, string field) =>
            rows.EnumerateArray().Where(r => r.GetProperty("Relation").GetString() == relation).Sum(r => r.GetProperty(field).GetInt64());
        Assert.Equal(1, Count(tablesAfter, "customers", "Masked") - Count(tablesBefore, "customers", "Masked"));
        Assert.Equal(1, Count(tablesAfter, "orders", "Blocked") - Count(tablesBefore, "orders", "Blocked"));
    }

    /// <summary>The session's events as the previous release wrote them, under another id, chained with the gateway's key.</summary>
    private async Task<List<ChainedEvent>> WriteInOlderShapeAsync(string sessionId, string olderId)
    {
        var options = new AuditStoreOptions { ConnectionString = Postgres.AuditConnectionString };
        using var store = AuditStore.Create(options);
        await using var log = new MartenAuditLog(store, options, NullLogger<MartenAuditLog>.Instance);
        var events = (await log.ReadStreamAsync(sessionId)).SelectMany(e => AuditFacts.Of(e, sessionId)).Select(e => (e switch
        {
            SessionStarted x => (ChainedEvent)(x with { SessionId = olderId }),
            StatementReceived x => x with { SessionId = olderId },
            DecisionMade x => x with { SessionId = olderId },
            StatementCompleted x => x with { SessionId = olderId },
            SessionEnded x => x with { SessionId = olderId },
            _ => throw new InvalidOperationException($"the scripted session has no {e.GetType().Name}"),
        } with { Position = 0, Hash = null })).ToList();
        var (linked, _) = AuditChain.Link(ChainHead.Start(new ChainKey(GatewayConfig.AuditKey), olderId), events);
        await log.AppendAsync(olderId, linked);
        return events;
    }

    /// <summary>The JSON with the session's id blanked out, for comparing two sessions' views.</summary>
    private static string Comparable(JsonElement view, string sessionId) => view.GetRawText().Replace(sessionId, "<id>", StringComparison.Ordinal);

    /// <summary>
    /// The scripted session and its gateway's policy ledger as the release of 2026-12-07 stored them
    /// (Fixtures/record-2026-12-07.json: the rows of a run of <see cref="ReplayTestBase.Script"/>,
    /// chained with the tests' AuditKey, as psql through that release's gateway left them).
    /// </summary>
    private const string OlderSession = "8afac73171e14ed297210bd18e477aeb";

    private const string OlderLedger = "policies:test-b5465ec7a4ad";

    [Fact]
    public async Task A_record_of_the_release_that_stored_each_previous_hash_verifies_replays_and_its_chain_goes_on_in_the_compact_rows()
    {
        var fixture = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "ReplayTool", "Fixtures", "record-2026-12-07.json")))!.AsArray();
        Assert.All(fixture, row => Assert.True(row!["data"]!.AsObject().ContainsKey("PrevHash")));
        await WriteAsStoredAsync(fixture);

        // Both streams verify as they were written, the ledger as a ledger.
        var verified = Json(await ReplayAsync("verify", OlderSession, "--json")).GetProperty("results").EnumerateArray().Single();
        Assert.Equal("sealed", verified.GetProperty("status").GetString());
        var ledger = Json(await ReplayAsync("verify", OlderLedger, "--json")).GetProperty("results").EnumerateArray().Single();
        Assert.Equal("policy ledger", ledger.GetProperty("status").GetString());

        // Its timeline says what the same script says when recorded now, in the compact rows.
        var current = await RunScriptedSessionAsync("compact-" + Token());
        Assert.DoesNotContain("PrevHash", (await AuditRecord.ReadAsync(Postgres, current)).Select(r => r.Data.GetRawText()).First(r => r.Contains("\"Sql\"", StringComparison.Ordinal)));
        var shownOlder = Json(await ReplayAsync("sessions", "show", OlderSession, "--json"));
        var shownCurrent = Json(await ReplayAsync("sessions", "show", current, "--json"));
        Assert.Equal(Statements(shownCurrent), Statements(shownOlder));
        Assert.Equal(5, shownOlder.GetProperty("Summary").GetProperty("Statements").GetInt64());
        Assert.Equal(1, shownOlder.GetProperty("Summary").GetProperty("Masked").GetInt64());

        // A gateway of this release takes the older stream up where it ended (an approval step
        // after the seal, as a withdrawn hold records it): its row links to the older row's hash.
        var grains = Gateway.Services.GetRequiredService<IGrainFactory>();
        object[] steps = [new ApprovalWithdrawn(OlderSession, "ap-older", "client went away", DateTimeOffset.UtcNow)];
        await grains.GetGrain<ISessionGrain>(OlderSession).RecordApprovalAsync(steps, VouchedApprovals.Proofs.SignSteps(OlderSession, steps));
        var rows = await AuditRecord.ReadAsync(Postgres, OlderSession);
        Assert.Equal(fixture.Count(r => (string?)r!["stream"] == OlderSession) + 1, rows.Count);
        Assert.False(rows[^1].Data.TryGetProperty("PrevHash", out _));
        var continued = Json(await ReplayAsync("verify", OlderSession, "--json")).GetProperty("results").EnumerateArray().Single();
        Assert.Equal("sealed", continued.GetProperty("status").GetString());
        Assert.Equal(rows.Count, continued.GetProperty("lastPosition").GetInt64());

        // And a changed older row is still found, at its position, whichever shape follows it.
        var verifier = new ChainVerifier(new ChainKey(GatewayConfig.AuditKey));
        var stored = rows.Select((r, i) => new StoredEvent(r.Version, i + 1, r.Type, r.Data.GetRawText())).ToList();
        var changedAt = stored.FindIndex(r => r.Data.Contains("DELETE FROM orders", StringComparison.Ordinal));
        stored[changedAt] = stored[changedAt] with { Data = stored[changedAt].Data.Replace("DELETE FROM orders", "SELECT * FROM orders", StringComparison.Ordinal) };
        var verdict = verifier.Verify(new StoredStream(OlderSession, stored, rows.Count), new VerifyRules(VerifyRules.DefaultStaleAfter, false, DateTimeOffset.UtcNow));
        Assert.Equal(BreakKind.Modified, verdict.Kind);
        Assert.Equal(rows[changedAt].Version, verdict.Position);
    }

    /// <summary>Each entry's statement, decision and outcome: what two records of the same script must agree on.</summary>
    private static List<string> Statements(JsonElement shown) =>
        shown.GetProperty("Timeline").GetProperty("Entries").EnumerateArray()
            .Select(e => string.Join(" | ", new[] { "Sequence", "Phase", "Sql", "Kind", "Command", "Action", "Rule", "MaskedColumns", "Outcome", "CommandTag",
                "Rows", "ErrorSqlState", "Preview", "MaskedValues" }.Select(name => e.GetProperty(name).GetRawText())))
            .ToList();

    /// <summary>Writes the fixture's rows as they are (their JSON untouched) through the audit writer, replacing any earlier copy.</summary>
    private async Task WriteAsStoredAsync(JsonArray fixture)
    {
        await using (var connection = new NpgsqlConnection(Postgres.AuditConnectionString))
        {
            await connection.OpenAsync();
            await using var delete = new NpgsqlCommand(
                "DELETE FROM og_audit.mt_events WHERE stream_id = ANY(@ids); DELETE FROM og_audit.mt_streams WHERE id = ANY(@ids)", connection);
            delete.Parameters.AddWithValue("ids", new[] { OlderSession, OlderLedger });
            await delete.ExecuteNonQueryAsync();
        }

        var options = new AuditStoreOptions { ConnectionString = Postgres.AuditConnectionString };
        using var store = AuditStore.Create(options);
        await using var log = new MartenAuditLog(store, options, NullLogger<MartenAuditLog>.Instance);
        var types = AuditStore.EventTypes.ToDictionary(t => ChainVerifier.SnakeCase(t.Name));
        foreach (var stream in fixture.GroupBy(r => (string)r!["stream"]!))
        {
            var linked = stream.Select(r =>
            {
                var json = r!["data"]!.ToJsonString();
                var e = (ChainedEvent)JsonSerializer.Deserialize(json, types[(string)r["type"]!], ChainCanonical.Options)!;
                return new LinkedEvent(e, json);
            }).ToList();
            await log.AppendAsync(stream.Key, linked);
        }
    }
}
