using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Grains.Sessions.Leases;
using OrleansGate.Tests.Audit;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Sessions;

/// <summary>
/// A session grain lends its decision to the proxy in its own process (ISessionLease): after the
/// session's first statement, the proxy decides on its own thread, in the grain's turn, without
/// Orleans' messaging. What a client and an auditor see must not change: every statement decided
/// and recorded in order, the chain whole, and a grain that goes away (collected, as Orleans does
/// with an activation it sees no call for) taken over by a new activation with no gap and no
/// double. Refusals, masking, holds and audit-first over the leased path are the rest of the suite
/// (AuditFirstTests, ApprovalCallerTests, the masking tests), which now run through it.
/// </summary>
public sealed class SessionLeaseTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    private LocalSessionLeases Leases => Gateway.Services.GetRequiredService<LocalSessionLeases>();

    [Fact]
    public async Task A_session_decides_through_its_grains_lease_and_gives_it_back_when_it_ends()
    {
        var app = "lease-" + Token();
        string session;
        await using (var client = await OpenViaGatewayAsync(b => b.ApplicationName = app))
        {
            for (var i = 1; i <= 5; i++)
            {
                Assert.Equal(i, await client.ScalarIntAsync($"SELECT {i}"));
            }

            session = (await AuditRecord.SessionOfApplicationAsync(Postgres, app))[0].StreamId;
            Assert.NotNull(Leases.Find(session));

            // Still the grain's rules: a write is refused on the leased path, and nothing runs.
            var refused = await Assert.ThrowsAsync<PostgresException>(() => client.ScalarIntAsync($"INSERT INTO touches (note) VALUES ('{app}') RETURNING 1"));
            Assert.Equal("42501", refused.SqlState);
        }

        await WholeRecordAsync(app, session);
        Assert.Null(Leases.Find(session));
        Assert.DoesNotContain(app, await TouchesAsync());
    }

    [Fact]
    public async Task A_grain_collected_under_a_busy_session_is_taken_over_by_a_new_activation_without_a_gap()
    {
        var app = "lease-collected-" + Token();
        var management = Gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        string session;
        await using (var client = await OpenViaGatewayAsync(b => b.ApplicationName = app))
        {
            Assert.Equal(1, await client.ScalarIntAsync("SELECT 1"));
            Assert.Equal(2, await client.ScalarIntAsync("SELECT 2"));
            session = (await AuditRecord.SessionOfApplicationAsync(Postgres, app))[0].StreamId;
            var first = Assert.IsAssignableFrom<ISessionLease>(Leases.Find(session));

            // Orleans sees no call from a leased session, so it collects the grain as idle; the
            // lease ends with it.
            await Eventually.HoldsAsync(async () =>
            {
                await management.ForceActivationCollection(TimeSpan.Zero);
                return Leases.Find(session);
            }, lease => lease is null, TimeSpan.FromSeconds(15));

            // The session goes on: a new activation rebuilds from the record and lends its decision again.
            Assert.Equal(3, await client.ScalarIntAsync("SELECT 3"));
            Assert.Equal(4, await client.ScalarIntAsync("SELECT 4"));
            var second = Leases.Find(session);
            Assert.NotNull(second);
            Assert.NotSame(first, second);
        }

        var decided = await WholeRecordAsync(app, session);
        Assert.Equal(["SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4"], decided.Select(e => e.Text("Sql")).Where(IsNumbered));
    }

    [Fact]
    public async Task Statements_keep_their_order_and_record_while_the_grain_is_collected_again_and_again()
    {
        // The attack on the grain's single turn: leased decisions on the proxy's thread while
        // Orleans deactivates and reactivates the grain as fast as it can. A decision that slipped
        // past the turn would link two events at one position (a unique violation: refused) or
        // leave a gap; either shows in the replies or the verdict.
        var app = "lease-churn-" + Token();
        var management = Gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        using var stop = new CancellationTokenSource();
        var collections = 0;
        var collector = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await management.ForceActivationCollection(TimeSpan.Zero);
                collections++;
                await Task.Delay(5);
            }
        });

        const int statements = 150;
        string session;
        await using (var client = await OpenViaGatewayAsync(b => b.ApplicationName = app))
        {
            for (var i = 1; i <= statements; i++)
            {
                Assert.Equal(i, await client.ScalarIntAsync($"SELECT {i}"));
            }

            session = (await AuditRecord.SessionOfApplicationAsync(Postgres, app))[0].StreamId;
        }

        await stop.CancelAsync();
        await collector;
        Assert.True(collections > 10, $"only {collections} collections ran");

        var decided = await WholeRecordAsync(app, session);
        Assert.Equal(Enumerable.Range(1, statements).Select(i => $"SELECT {i}"), decided.Select(e => e.Text("Sql")).Where(IsNumbered));
    }

    /// <summary>
    /// The ended session's record, checked whole: its rows numbered 1..n, its statements numbered
    /// 1..m, and the replay tool's verify finding the chain sealed over every row. Returns the statements.
    /// </summary>
    private async Task<List<RecordedEvent>> WholeRecordAsync(string app, string session)
    {
        var record = await AuditRecord.EndedSessionOfApplicationAsync(Postgres, app);
        Assert.Equal(Enumerable.Range(1, record.Count).Select(i => (long)i), record.Select(e => e.Version));
        var decided = record.Where(e => e.Type == "statement_decided").ToList();
        Assert.Equal(Enumerable.Range(1, decided.Count).Select(i => (long)i), decided.Select(e => e.Data.GetProperty("Sequence").GetInt64()));
        var verdict = InProcessVerify.SingleVerdict(await InProcessVerify.RunAsync(Postgres.AuditConnectionString, session));
        Assert.Equal("sealed", (string?)verdict["status"]);
        Assert.Equal(record.Count, (int?)verdict["events"]);
        return decided;
    }

    /// <summary>A test's own statement (<c>SELECT n</c>), not what the driver sends at login.</summary>
    private static bool IsNumbered(string sql) => System.Text.RegularExpressions.Regex.IsMatch(sql, @"^SELECT \d+$");

}
