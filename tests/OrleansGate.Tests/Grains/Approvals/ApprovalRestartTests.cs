using Npgsql;
using OrleansGate.Grains.Approvals;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Approvals;

/// <summary>
/// Requests outlive the silo: the gateway is stopped (every grain and everything in memory gone)
/// and a new one started on the same databases. AllInOne mode keeps grain state in the audit
/// database through Orleans' ADO.NET storage, like a cluster does in its own.
/// </summary>
public sealed class ApprovalRestartTests(PostgresFixture postgres, Xunit.Abstractions.ITestOutputHelper output) : ApprovalTestBase(postgres)
{
    // How long each step took, and what the stopped gateway logged, in the test's output: this is
    // how a deadlock in the silo's stop (20 s in a full run, ApprovalGrain.WaitAsync) was found.
    private readonly StepTimes _steps = new(output);

    private void Step(string what) => _steps.Step(what);

    [Fact]
    public async Task A_pending_request_is_still_listed_after_a_restart_and_can_be_approved_then()
    {
        await using var held = await HoldAsync("DELETE FROM touches");
        await Approval(held.Id).ApproveVouchedAsync(Bob, "first of two", null);

        await RestartGatewayAsync();

        Assert.Contains(await Grains.GetGrain<IApprovalIndexGrain>(0).PendingAsync(), r => r.Id == held.Id);
        var view = await Approval(held.Id).GetAsync();
        Assert.Equal(ApprovalStatus.Pending, view!.Status);
        Assert.Equal(["bob"], view.Approvals.Select(v => v.Approver));
        Assert.Equal(ApprovalStatus.Granted, (await Approval(held.Id).ApproveVouchedAsync(Dave, "second", null)).Status);
        var grants = (await ApprovalEventsAsync(held, 3)).Where(e => e.Type == "approval_granted").ToList();
        Assert.Equal(["bob", "dave"], grants.Select(g => g.Text("Approver")));
        Assert.Equal(1, await StoredApprovalRowsAsync(held.Id));
    }

    [Fact]
    public async Task A_request_whose_time_ran_out_while_the_gateway_was_down_expires_when_it_comes_back()
    {
        Step("the gateway started");
        await using var held = await HoldAsync("SELECT pg_sleep(0)");
        Step("the statement is held");

        var stopped = Gateway;
        await RestartGatewayAsync(downFor: TimeSpan.FromSeconds(3));
        Step("the gateway was stopped, down for 3 s, and started again");
        foreach (var (level, category, message) in stopped.Log.Entries)
        {
            _steps.Detail($"the stopped gateway logged: {level} {category}: {message}");
        }

        // Listing wakes it; it expires, records that in its session's stream and leaves the list.
        Assert.DoesNotContain(await Grains.GetGrain<IApprovalIndexGrain>(0).PendingAsync(), r => r.Id == held.Id);
        Step("the request left the list");
        var expired = Assert.Single(await ApprovalEventsAsync(held, 2), e => e.Type == "approval_expired");
        Step("its expiry is in the record");
        Assert.Equal(held.Id, expired.Text("ApprovalId"));
        Assert.Equal(ApprovalStatus.Expired, (await Approval(held.Id).GetAsync())!.Status);
    }

    /// <summary>The approval's row in the grain storage table (ADO.NET provider, audit database).</summary>
    private async Task<long> StoredApprovalRowsAsync(string id)
    {
        await using var connection = new NpgsqlConnection(Postgres.AuditConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM og_grain_state WHERE grain_id_string LIKE '%' || @id", connection);
        command.Parameters.AddWithValue("id", id);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
