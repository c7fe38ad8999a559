using OrleansGate.Grains.Approvals;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Approvals;

/// <summary>A held request from the hold to its end: approved, denied, expired, withdrawn — each step in the session's record.</summary>
public sealed class ApprovalLifecycleTests(PostgresFixture postgres) : ApprovalTestBase(postgres)
{
    [Fact]
    public async Task A_hold_is_recorded_with_its_decision_listed_and_granted_by_an_approver()
    {
        await using var held = await HoldAsync("SELECT touch('lifecycle-approve')");

        var record = await AuditRecord.SessionOfApplicationAsync(Postgres, held.App);
        var decision = record.Single(e => e.IsDecision && e.Text("Rule") == "hold-touch");
        Assert.Equal("Hold", decision.Text("Action"));
        var requested = record.Single(e => e.Type == "approval_requested");
        Assert.Matches("^ap-[0-9a-f]{12}$", held.Id);
        Assert.Equal("alice", requested.Text("Requester"));
        Assert.Equal("hold-touch", requested.Text("Rule"));
        Assert.Equal(decision.Sequence, requested.Data.GetProperty("Sequences")[0].GetInt64());
        // Written in the same commit as the decision: nothing else came between them.
        Assert.Equal(decision.Version + 1, requested.Version);

        var pending = await Grains.GetGrain<IApprovalIndexGrain>(0).PendingAsync();
        var listed = Assert.Single(pending, r => r.Id == held.Id);
        Assert.Equal(["SELECT touch('lifecycle-approve')"], listed.Statements);
        Assert.Equal(["approvers"], listed.ApproverGroups);

        var view = await Approval(held.Id).ApproveVouchedAsync(Bob, "looks fine", null);

        Assert.Equal(ApprovalStatus.Granted, view.Status);
        var granted = Assert.Single(await ApprovalEventsAsync(held, 2), e => e.Type == "approval_granted");
        Assert.Equal("bob", granted.Text("Approver"));
        Assert.Equal("looks fine", granted.Text("Reason"));
        Assert.Equal(1, granted.Data.GetProperty("ApprovalsSoFar").GetInt32());
        Assert.True(granted.Data.GetProperty("Final").GetBoolean());
        Assert.Equal(held.Id, granted.Text("ApprovalId"));
        Assert.Equal(1, granted.Data.GetProperty("SchemaVersion").GetInt32());
        Assert.DoesNotContain(await Grains.GetGrain<IApprovalIndexGrain>(0).PendingAsync(), r => r.Id == held.Id);
    }

    [Fact]
    public async Task Opening_again_gives_the_same_request_and_a_wait_ends_as_soon_as_it_is_decided()
    {
        await using var held = await HoldAsync("SELECT touch('lifecycle-wait')");
        var grain = Approval(held.Id);
        var first = await grain.GetAsync();

        var again = await grain.OpenAsync(first!.Request with { Rule = "something else" });
        Assert.Equal(first.Request, again.Request);

        var started = DateTime.UtcNow;
        var wait = grain.WaitAsync(TimeSpan.FromSeconds(15));
        await Task.Delay(300);
        Assert.False(wait.IsCompleted);
        await grain.DenyVouchedAsync(Bob, "not during the freeze");
        var outcome = await wait;

        Assert.Equal(ApprovalStatus.Denied, outcome!.Status);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.Null(await Approval("ap-000000000000").WaitAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task A_denial_is_recorded_with_the_approvers_reason()
    {
        await using var held = await HoldAsync("SELECT touch('lifecycle-deny')");

        var view = await Approval(held.Id).DenyVouchedAsync(Bob, "no exports on Fridays");

        Assert.Equal(ApprovalStatus.Denied, view.Status);
        Assert.Equal("no exports on Fridays", view.Denial!.Reason);
        var denied = Assert.Single(await ApprovalEventsAsync(held, 2), e => e.Type == "approval_denied");
        Assert.Equal("bob", denied.Text("Approver"));
        Assert.Equal("no exports on Fridays", denied.Text("Reason"));
        var refused = await Assert.ThrowsAsync<ApprovalRefusedException>(() => Approval(held.Id).ApproveVouchedAsync(Dave, null, null));
        Assert.Contains("denied already", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await Grains.GetGrain<IApprovalIndexGrain>(0).PendingAsync(), r => r.Id == held.Id);
    }

    [Fact]
    public async Task A_withdrawn_request_is_recorded_and_can_no_longer_be_approved()
    {
        await using var held = await HoldAsync("SELECT touch('lifecycle-withdraw')");

        var view = await Approval(held.Id).WithdrawAsync("the client cancelled");

        Assert.Equal(ApprovalStatus.Withdrawn, view!.Status);
        var withdrawn = Assert.Single(await ApprovalEventsAsync(held, 2), e => e.Type == "approval_withdrawn");
        Assert.Equal("the client cancelled", withdrawn.Text("Reason"));
        var refused = await Assert.ThrowsAsync<ApprovalRefusedException>(() => Approval(held.Id).ApproveVouchedAsync(Bob, null, null));
        Assert.Contains("withdrawn already", refused.Message, StringComparison.Ordinal);
        // Withdrawing what is decided changes nothing.
        Assert.Equal(ApprovalStatus.Withdrawn, (await Approval(held.Id).WithdrawAsync("again"))!.Status);
        Assert.Single(await ApprovalEventsAsync(held, 2), e => e.Type == "approval_withdrawn");
    }

    [Fact]
    public async Task A_request_nobody_decides_expires_at_its_rules_timeout()
    {
        await using var held = await HoldAsync("SELECT pg_sleep(0)");
        var view = await Approval(held.Id).GetAsync();
        Assert.Equal(TimeSpan.FromSeconds(2), view!.Request.ExpiresAt - view.Request.RequestedAt);

        var outcome = await Approval(held.Id).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ApprovalStatus.Expired, outcome!.Status);
        Assert.True(outcome.DecidedAt >= view.Request.ExpiresAt);
        Assert.Single(await ApprovalEventsAsync(held, 2), e => e.Type == "approval_expired");
        var refused = await Assert.ThrowsAsync<ApprovalRefusedException>(() => Approval(held.Id).ApproveVouchedAsync(Bob, null, null));
        Assert.Contains("expired already", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await Grains.GetGrain<IApprovalIndexGrain>(0).PendingAsync(), r => r.Id == held.Id);
    }

    [Fact]
    public async Task The_requester_cannot_approve_or_deny_their_own_request_even_as_an_approver()
    {
        await using var held = await HoldAsync("SELECT touch('lifecycle-self')");

        var approve = await Assert.ThrowsAsync<ApprovalRefusedException>(() => Approval(held.Id).ApproveVouchedAsync(AliceAsApprover, null, null));
        var deny = await Assert.ThrowsAsync<ApprovalRefusedException>(() => Approval(held.Id).DenyVouchedAsync(AliceAsApprover, "mine"));

        Assert.Equal($"alice cannot approve {held.Id}: it is their own request", approve.Message);
        Assert.Equal($"alice cannot deny {held.Id}: it is their own request", deny.Message);
        Assert.True((await Approval(held.Id).GetAsync())!.IsPending);
        await Approval(held.Id).WithdrawAsync("test over");
    }

    [Fact]
    public async Task Someone_outside_the_approver_groups_cannot_approve_or_deny()
    {
        await using var held = await HoldAsync("SELECT touch('lifecycle-outsider')");

        var approve = await Assert.ThrowsAsync<ApprovalRefusedException>(() => Approval(held.Id).ApproveVouchedAsync(Carol, null, null));
        await Assert.ThrowsAsync<ApprovalRefusedException>(() => Approval(held.Id).DenyVouchedAsync(Carol, "no"));

        Assert.Equal($"carol cannot approve {held.Id}: only members of approvers can", approve.Message);
        Assert.True((await Approval(held.Id).GetAsync())!.IsPending);
        Assert.Empty((await Approval(held.Id).GetAsync())!.Approvals);
        await Approval(held.Id).WithdrawAsync("test over");
    }

    [Fact]
    public async Task Two_approvals_need_two_different_approvers()
    {
        await using var held = await HoldAsync("DELETE FROM touches");
        Assert.Equal(2, (await Approval(held.Id).GetAsync())!.Request.MinApprovals);

        var afterBob = await Approval(held.Id).ApproveVouchedAsync(Bob, "ok", null);
        var twice = await Assert.ThrowsAsync<ApprovalRefusedException>(() => Approval(held.Id).ApproveVouchedAsync(Bob, "really ok", null));
        var stillPending = await Approval(held.Id).GetAsync();
        var afterDave = await Approval(held.Id).ApproveVouchedAsync(Dave, "ok too", null);

        Assert.Equal(ApprovalStatus.Pending, afterBob.Status);
        Assert.Contains("has approved", twice.Message, StringComparison.Ordinal);
        Assert.Single(stillPending!.Approvals);
        Assert.Equal(ApprovalStatus.Granted, afterDave.Status);
        Assert.Equal(["bob", "dave"], afterDave.Approvals.Select(v => v.Approver));
        var grants = (await ApprovalEventsAsync(held, 3)).Where(e => e.Type == "approval_granted").ToList();
        Assert.Equal([(1, false, "bob"), (2, true, "dave")],
            grants.Select(g => (g.Data.GetProperty("ApprovalsSoFar").GetInt32(), g.Data.GetProperty("Final").GetBoolean(), g.Text("Approver"))));
    }

    [Fact]
    public async Task A_batch_with_a_hold_is_held_as_one_request_and_a_block_in_it_wins()
    {
        await using (var held = await HoldAsync("SELECT 1; SELECT touch('batch')"))
        {
            var record = await AuditRecord.SessionOfApplicationAsync(Postgres, held.App);
            var decisions = DecisionsOn(record, "SELECT 1", "SELECT touch('batch')");
            Assert.Equal(2, decisions.Count);
            Assert.All(decisions, d => Assert.Equal("Hold", d.Text("Action")));
            var request = (await Approval(held.Id).GetAsync())!.Request;
            Assert.Equal(decisions.Select(d => d.Sequence), request.Sequences);
            Assert.Equal(2, request.Statements.Count);
            await Approval(held.Id).WithdrawAsync("test over");
        }

        var (blocked, ran) = await RunAsync("SELECT touch('batch-blocked'); TRUNCATE touches");

        Assert.False(ran);
        var refused = DecisionsOn(blocked, "SELECT touch('batch-blocked')", "TRUNCATE touches");
        Assert.Equal(2, refused.Count);
        Assert.All(refused, d => Assert.Equal("Block", d.Text("Action")));
        Assert.DoesNotContain(blocked, e => e.Type == "approval_requested");
    }

    [Fact]
    public async Task The_approver_sees_the_values_bound_to_a_held_statement_each_on_one_line()
    {
        var app = App();
        const string note = "harmless'\n-- $2 = 'also harmless'\u001b[2J";
        await using var connection = new Npgsql.NpgsqlConnection(Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, "main",
            b => b.ApplicationName = app));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT touch(@note)", connection) { CommandTimeout = 30 };
        command.Parameters.AddWithValue("note", note);
        var client = command.ExecuteNonQueryAsync();

        var record = await Eventually.HoldsAsync(() => AuditRecord.SessionOfApplicationAsync(Postgres, app),
            events => events.Any(e => e.Type == "approval_requested"), TimeSpan.FromSeconds(15));
        var id = record.Single(e => e.Type == "approval_requested").Text("ApprovalId");
        var request = (await Approval(id).GetAsync())!.Request;

        Assert.Equal(["SELECT touch($1)"], request.Statements);
        Assert.Equal(note, Assert.Single(Assert.Single(request.Parameters)));
        var shown = HeldStatementText.Of(request, 0).Split('\n');
        Assert.Equal(["SELECT touch($1)", "-- $1 = E'harmless''\\n-- $2 = ''also harmless''\\u001B[2J'"], shown);

        await Approval(id).ApproveVouchedAsync(Bob, "seen in full", null);
        await client.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Contains(note, await TouchesAsync());
    }
}
