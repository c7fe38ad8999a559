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
}
