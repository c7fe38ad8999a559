using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool;

/// <summary>
/// A record written by the previous release (three events per statement: StatementCompleted of
/// the earlier ones, StatementReceived, DecisionMade) still verifies, replays and projects, and
/// says exactly what the one-event record of the same session says.
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
        var events = (await log.ReadStreamAsync(sessionId)).SelectMany(AuditFacts.Of).Select(e => (e switch
        {
            SessionStarted x => (ChainedEvent)(x with { SessionId = olderId }),
            StatementReceived x => x with { SessionId = olderId },
            DecisionMade x => x with { SessionId = olderId },
            StatementCompleted x => x with { SessionId = olderId },
            SessionEnded x => x with { SessionId = olderId },
            _ => throw new InvalidOperationException($"the scripted session has no {e.GetType().Name}"),
        } with { Position = 0, PrevHash = null, Hash = null })).ToList();
        var (linked, _) = AuditChain.Link(ChainHead.Start(new ChainKey(GatewayConfig.AuditKey), olderId), events);
        await log.AppendAsync(olderId, linked);
        return events;
    }

    /// <summary>The JSON with the session's id blanked out, for comparing two sessions' views.</summary>
    private static string Comparable(JsonElement view, string sessionId) => view.GetRawText().Replace(sessionId, "<id>", StringComparison.Ordinal);
}
