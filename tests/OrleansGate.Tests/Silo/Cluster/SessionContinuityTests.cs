using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Sessions;
using OrleansGate.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>
/// A session outlives the silo it started on: its grain, reactivated on another silo, rebuilds
/// itself from its audit stream and numbers the next statement after the last one recorded.
/// </summary>
public sealed class SessionContinuityTests(PostgresFixture postgres) : ClusterTestBase(postgres)
{
    [Fact]
    public async Task A_session_continues_on_another_silo_without_a_gap_in_its_numbering()
    {
        var first = await StartSiloAsync();
        var second = await StartSiloAsync();
        await Eventually.HoldsAsync(MembersAsync, m => m.Count(x => x.Status == Active) == 2, TimeSpan.FromSeconds(20));

        var sessionId = Guid.NewGuid().ToString("N");
        var session = first.Grains.GetGrain<ISessionGrain>(sessionId);
        await session.StartAsync(new SessionStart("alice", ["analysts"], "main", "127.0.0.1", "continuity", Tls: false));
        Assert.Equal(2, (await session.DecideAsync(QueryRequests.Of("SELECT 1; SELECT 2"))).Decisions.Count);
        Assert.Single((await session.DecideAsync(QueryRequests.Of("SELECT 3"))).Decisions);

        // Stop whichever silo holds the session; the other must take it over.
        var management = first.Grains.GetGrain<IManagementGrain>(0);
        var host = await management.GetActivationAddress(session);
        var (holder, survivor) = host == first.Address ? (first, second) : (second, first);
        Assert.Equal(holder.Address, host);
        await holder.StopAsync();

        var resumed = survivor.Grains.GetGrain<ISessionGrain>(sessionId);
        var decisions = await DecideWithRetryAsync(resumed, QueryRequests.Of("SELECT 4"));
        Assert.Single(decisions);
        Assert.Equal(survivor.Address, await survivor.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(resumed));

        var events = await survivor.Services.GetRequiredService<IAuditLog>().ReadStreamAsync(sessionId);
        Assert.Single(events.OfType<SessionStarted>());
        Assert.Equal([1L, 2L, 3L, 4L], events.OfType<StatementDecided>().Select(e => e.Sequence));
        Assert.Equal("SELECT 4", events.OfType<StatementDecided>().Last().Sql.Trim());
    }


    // Right after a graceful stop, a call may still be routed by a directory entry that names
    // the stopped silo; Orleans then fails the call and the next one activates afresh.
    private static async Task<IReadOnlyList<OrleansGate.Grains.Policy.Decision>> DecideWithRetryAsync(ISessionGrain grain, StatementRequest[] batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await grain.DecideAsync(batch)).Decisions;
            }
            catch (Exception e) when (attempt < 5 && e is not Xunit.Sdk.XunitException)
            {
                await Task.Delay(500);
            }
        }
    }
}
