using Microsoft.Extensions.Logging.Abstractions;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Sessions.Sweeping;
using OrleansGate.Grains.Statements;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Sessions.Sweeping;

/// <summary>
/// Which sessions the sweeper takes for sealing, over a real audit database written by the audit
/// writer: only unsealed, idle sessions of a proxy that is neither live nor heartbeating; a stream
/// that ends on a StatementCompleted is reported as having lost its seal, never taken as a crash.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class AbandonedSessionsTests(PostgresFixture postgres)
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Only_idle_unsealed_sessions_of_a_dead_proxy_are_found()
    {
        var database = await postgres.CreateDatabaseAsync("t_abandoned_sessions");
        var options = new AuditStoreOptions { ConnectionString = postgres.Server.ConnectionString(database) };
        using var store = AuditStore.Create(options);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var heartbeats = new ProxyHeartbeats(options);
        await heartbeats.EnsureTableAsync(CancellationToken.None);
        await using var log = new MartenAuditLog(store, options, NullLogger<MartenAuditLog>.Instance);

        await AppendAsync(log, "crashed", "dead-proxy", Received(2), Decided(3));
        await AppendAsync(log, "seal-removed", "dead-proxy", Received(2), Decided(3), new StatementCompleted("seal-removed", 1,
            OutcomeKind.Completed, "SELECT 1", 1, null, null, At) { Position = 4 });
        await AppendAsync(log, "ended", "dead-proxy", Received(2), Decided(3), new SessionEnded("ended", "client closed", 1, At) { Position = 4 });
        await AppendAsync(log, "before-proxies", proxy: null, Received(2));
        await AppendAsync(log, "on-live-proxy", "live-proxy", Received(2));
        await AppendAsync(log, "on-beating-proxy", "beating-proxy", Received(2));
        // Every session idle past the grace; only the beating proxy has shown a sign of life since.
        var grace = TimeSpan.FromSeconds(1);
        await Task.Delay(grace + TimeSpan.FromMilliseconds(200));
        await heartbeats.BeatAsync(["beating-proxy"], grace, TimeSpan.Zero);

        var found = await new AbandonedSessions(options).FindAsync(["live-proxy"], grace, TimeSpan.Zero, limit: 50);

        Assert.Equal(["crashed", "seal-removed"], found.Select(s => s.SessionId).Order(StringComparer.Ordinal));
        Assert.All(found, s => Assert.Equal("dead-proxy", s.Proxy));
        Assert.False(found.Single(s => s.SessionId == "crashed").LostItsSeal);
        Assert.True(found.Single(s => s.SessionId == "seal-removed").LostItsSeal);

        // Not idle for long enough: nothing, however dead its proxy.
        var hour = TimeSpan.FromHours(1);
        Assert.Empty(await new AbandonedSessions(options).FindAsync([], hour, TimeSpan.Zero, limit: 50));

        // A gateway whose liveness clock runs two hours ahead (a test's) finds them idle for that
        // long, and the heartbeat the other wrote by the database's clock too old; one it wrote by
        // its own clock is fresh to it.
        var ahead = TimeSpan.FromHours(2);
        Assert.Equal(["crashed", "on-beating-proxy", "on-live-proxy", "seal-removed"],
            (await new AbandonedSessions(options).FindAsync([], hour, ahead, limit: 50)).Select(s => s.SessionId).Order(StringComparer.Ordinal));
        await heartbeats.BeatAsync(["beating-proxy"], hour, ahead);
        Assert.Equal(["crashed", "on-live-proxy", "seal-removed"],
            (await new AbandonedSessions(options).FindAsync([], hour, ahead, limit: 50)).Select(s => s.SessionId).Order(StringComparer.Ordinal));

        // The limit bounds one sweep.
        Assert.Single(await new AbandonedSessions(options).FindAsync(["live-proxy"], grace, TimeSpan.Zero, limit: 1));
    }

    private static async Task AppendAsync(MartenAuditLog log, string sessionId, string? proxy, params ChainedEvent[] rest)
    {
        var started = new SessionStarted(sessionId, "alice", ["analysts"], "main", "127.0.0.1", "sweeper-test", false, At)
        {
            Proxy = proxy,
            SchemaVersion = proxy is null ? 1 : 2,
            Position = 1,
        };
        await log.AppendAsync(sessionId, [LinkedEvent.Of(started), .. rest.Select(LinkedEvent.Of)]);
    }

    private static StatementReceived Received(long position) =>
        new("s", 1, StatementPhase.Query, "SELECT 1", StatementKind.Select, [StatementKind.Select], "SELECT",
            "fp", [], [], [], [], [], null, At) { Position = position };

    private static DecisionMade Decided(long position) =>
        new("s", 1, PolicyAction.Allow, "default:allow", null, null, [], At) { Position = position };
}
