using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Approvals;

/// <summary>
/// A grant with a window lets the same statement fingerprint by the same identity on the same
/// target through without a new hold for the window (each use still recorded), and not after.
/// </summary>
public sealed class ApprovalWindowTests(PostgresFixture postgres) : ApprovalTestBase(postgres)
{
    [Fact]
    public async Task The_same_fingerprint_passes_within_the_window_and_is_held_again_after_it()
    {
        await using (var held = await HoldAsync("SELECT touch('window-0')"))
        {
            var view = await Approval(held.Id).ApproveVouchedAsync(Bob, "for a moment", TimeSpan.FromSeconds(2));
            Assert.NotNull(view.WindowUntil);
            var granted = Assert.Single(await ApprovalEventsAsync(held, 2), e => e.Type == "approval_granted");
            Assert.Equal("00:00:02", granted.Text("Window"));

            // Other constants, same fingerprint: through, recorded with the window's rule.
            var (within, ran) = await RunAsync("SELECT touch('window-1')");
            Assert.True(ran);
            Assert.Contains("window-1", await TouchesAsync());
            var decision = Assert.Single(DecisionsOn(within, "SELECT touch('window-1')"));
            Assert.Equal($"approval-window:{held.Id}", decision.Text("Rule"));
            Assert.Equal("Allow", decision.Text("Action"));
            Assert.DoesNotContain(within, e => e.Type == "approval_requested");

            // Another identity is not covered by alice's window.
            await using var bobs = await HoldAsync("SELECT touch('window-bob')", user: "bob", password: GatewayConfig.BobPassword);
            await Approval(bobs.Id).WithdrawAsync("test over");

            // Nor is another target.
            await using var other = await HoldAsync("SELECT touch('window-md5')", target: "md5");
            await Approval(other.Id).WithdrawAsync("test over");

            var left = view.WindowUntil!.Value - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300);
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left);
            }
        }

        var (after, ranAfter) = await RunAsync("SELECT touch('window-2')");
        Assert.False(ranAfter);
        Assert.DoesNotContain("window-2", await TouchesAsync());
        Assert.Equal("Hold", Assert.Single(DecisionsOn(after, "SELECT touch('window-2')")).Text("Action"));
        var again = after.Single(e => e.Type == "approval_requested").Text("ApprovalId");
        await Approval(again).WithdrawAsync("test over");
    }

    [Fact]
    public async Task A_grant_without_a_window_lets_nothing_else_through()
    {
        await using (var held = await HoldAsync("SELECT touch('once-0')"))
        {
            Assert.Null((await Approval(held.Id).ApproveVouchedAsync(Bob, "just this once", null)).WindowUntil);
        }

        var (record, ran) = await RunAsync("SELECT touch('once-1')");
        Assert.False(ran);
        Assert.Equal("Hold", Assert.Single(DecisionsOn(record, "SELECT touch('once-1')")).Text("Action"));
        await Approval(record.Single(e => e.Type == "approval_requested").Text("ApprovalId")).WithdrawAsync("test over");
    }

    [Fact]
    public async Task An_approved_PREPARE_lets_no_EXECUTE_through_and_a_window_on_EXECUTE_covers_only_what_it_ran()
    {
        // PREPARE of a held statement, approved: the name now exists on the server.
        await using var prepared = await HoldAsync("PREPARE touching AS SELECT touch('prepared-0')");
        await Approval(prepared.Id).ApproveVouchedAsync(Bob, "prepare it", null);
        await prepared.Client.WaitAsync(TimeSpan.FromSeconds(15));

        // Its EXECUTE is held again, and the approver sees what it runs.
        var execute = await HoldOnAsync(prepared, "EXECUTE touching");
        var request = (await Approval(execute.Id).GetAsync())!.Request;
        Assert.Equal(["EXECUTE touching"], request.Statements);
        Assert.Equal(["PREPARE touching AS SELECT touch('prepared-0')"], request.Runs);
        Assert.DoesNotContain("prepared-0", await TouchesAsync());
        await Approval(execute.Id).ApproveVouchedAsync(Bob, "run it, for a while", TimeSpan.FromMinutes(5));
        await execute.Client.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Contains("prepared-0", await TouchesAsync());

        // Another session prepares the same name as something else: the window on EXECUTE touching
        // does not cover it.
        await using var other = await HoldAsync("PREPARE touching AS SELECT 1, touch('prepared-1')");
        await Approval(other.Id).ApproveVouchedAsync(Bob, "prepare it", null);
        await other.Client.WaitAsync(TimeSpan.FromSeconds(15));
        var again = await HoldOnAsync(other, "EXECUTE touching");
        Assert.Equal(["PREPARE touching AS SELECT 1, touch('prepared-1')"], (await Approval(again.Id).GetAsync())!.Request.Runs);
        await Approval(again.Id).WithdrawAsync("test over");
        await again.Client.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.DoesNotContain("prepared-1", await TouchesAsync());
    }

    /// <summary>Sends <paramref name="sql"/> on the connection of an earlier hold (its client done) and returns once it is held.</summary>
    private async Task<(string Id, Task Client)> HoldOnAsync(Held earlier, string sql)
    {
        var before = (await AuditRecord.SessionOfApplicationAsync(Postgres, earlier.App)).Count(e => e.Type == "approval_requested");
        var client = Task.Run(async () =>
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, earlier.Connection);
            try
            {
                await command.ExecuteNonQueryAsync();
            }
            catch (Npgsql.PostgresException)
            {
            }
        });
        var record = await Eventually.HoldsAsync(() => AuditRecord.SessionOfApplicationAsync(Postgres, earlier.App),
            events => events.Count(e => e.Type == "approval_requested") > before || client.IsCompleted, TimeSpan.FromSeconds(15));
        var requests = record.Where(e => e.Type == "approval_requested").ToList();
        Assert.True(requests.Count > before, $"'{sql}' was not held");
        return (requests[^1].Text("ApprovalId"), client);
    }
}
