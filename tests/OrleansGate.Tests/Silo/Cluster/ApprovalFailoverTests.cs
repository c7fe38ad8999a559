using System.Text.Json.Nodes;
using Orleans.Runtime;
using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Proxy.Sql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>
/// A held request survives the silo that held it: the other silo finds it in the cluster
/// database, it can be approved there, a waiter that re-attaches gets the outcome, and the
/// session's stream records it.
/// </summary>
public sealed class ApprovalFailoverTests(PostgresFixture postgres) : ClusterTestBase(postgres)
{
    [Fact]
    public async Task A_request_held_on_a_silo_that_stops_is_approved_on_the_other_and_the_waiter_gets_it()
    {
        var first = await StartSiloAsync(HoldTouch);
        var second = await StartSiloAsync(HoldTouch);
        await Eventually.HoldsAsync(MembersAsync, m => m.Count(x => x.Status == Active) == 2, TimeSpan.FromSeconds(20));

        var sessionId = "failover-" + Guid.NewGuid().ToString("N")[..8];
        var session = first.Grains.GetGrain<ISessionGrain>(sessionId);
        await session.StartAsync(new SessionStart("alice", ["analysts"], "main", "127.0.0.1", "failover-test", false));
        var statement = Assert.Single(new SqlParser().Parse("SELECT touch('failover')"));
        var decision = Assert.Single((await session.DecideAsync([new StatementRequest(statement, StatementPhase.Query, [])])).Decisions);
        Assert.Equal(PolicyAction.Hold, decision.Action);
        var id = decision.Approval!.Id;

        // Stop whichever silo holds the approval; everything else goes through the one left.
        var management = first.Grains.GetGrain<IManagementGrain>(0);
        var host = await management.GetActivationAddress(first.Grains.GetGrain<IApprovalGrain>(id));
        var (dying, surviving) = host == second.Address ? (second, first) : (first, second);
        await dying.StopAsync();
        await Eventually.HoldsAsync(MembersAsync, m => m.Any(x => x.Status == Dead), TimeSpan.FromSeconds(20));

        var waiter = WaitAsync(surviving.Grains.GetGrain<IApprovalGrain>(id));
        Assert.Contains(await surviving.Grains.GetGrain<IApprovalIndexGrain>(0).PendingAsync(), r => r.Id == id);
        await surviving.Grains.GetGrain<IApprovalGrain>(id).ApproveVouchedAsync(new Approver("bob", ["approvers"]), "after the failover", null);

        var outcome = await waiter.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ApprovalStatus.Granted, outcome.Status);
        var stream = await Eventually.HoldsAsync(() => AuditRecord.ReadAsync(Postgres, sessionId),
            events => events.Any(e => e.Type == "approval_granted"), TimeSpan.FromSeconds(10));
        Assert.Equal(["approval_requested", "approval_granted"],
            stream.Where(e => e.Type.StartsWith("approval_", StringComparison.Ordinal)).Select(e => e.Type));
    }

    // The proxy's loop: wait a little, again and again, re-attaching when a call fails.
    private static async Task<ApprovalView> WaitAsync(IApprovalGrain approval)
    {
        while (true)
        {
            try
            {
                if (await approval.WaitAsync(TimeSpan.FromSeconds(2)) is { IsPending: false } view)
                {
                    return view;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                await Task.Delay(200);
            }
        }
    }

    private static void HoldTouch(JsonObject configuration) =>
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "approvals", "Rules": [
              { "Name": "hold-touch", "Functions": ["touch"], "Action": "Hold", "ApproverGroups": ["approvers"] } ] }
            """);
}
