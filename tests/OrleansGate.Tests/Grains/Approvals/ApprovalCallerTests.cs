using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Sessions;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Approvals;

/// <summary>
/// The approval grains check who is calling, whatever reached them: an approve or deny counts only
/// when the admin API vouched for the approver it authenticated, for that request, moments ago; a
/// session records approval steps only with the approval grain's proof. And audit first holds for
/// approvals: a held statement runs only once its ApprovalGranted is committed.
/// </summary>
public sealed class ApprovalCallerTests(PostgresFixture postgres) : ApprovalTestBase(postgres)
{
    [Fact]
    public async Task An_approver_the_admin_api_did_not_vouch_for_cannot_approve()
    {
        var note = "unvouched-" + Token();
        await using var held = await HoldAsync($"SELECT touch('{note}')");
        await using var other = await HoldAsync($"SELECT touch('{note}-other')");
        var stale = new ApprovalProofs(new ChainKey(GatewayConfig.AuditKey), new FixedClock(DateTimeOffset.UtcNow.AddMinutes(-10)));
        var wrongKey = new ApprovalProofs(new ChainKey(new byte[32]), TimeProvider.System);

        foreach (var forged in new[]
                 {
                     Bob,
                     Bob with { VouchedAt = DateTimeOffset.UtcNow, Proof = new string('0', 64) },
                     VouchedApprovals.Proofs.Vouch(other.Id, Bob),
                     stale.Vouch(held.Id, Bob),
                     wrongKey.Vouch(held.Id, Bob),
                     VouchedApprovals.Proofs.Vouch(held.Id, Bob) with { Groups = ["approvers", "admins"] },
                 })
        {
            var refused = await Assert.ThrowsAsync<ApprovalRefusedException>(() => Approval(held.Id).ApproveAsync(forged, "forged", null));
            Assert.Contains("not authenticated by the admin API", refused.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<ApprovalRefusedException>(() => Approval(held.Id).DenyAsync(forged, "forged"));
        }

        Assert.True((await Approval(held.Id).GetAsync())!.IsPending);
        Assert.DoesNotContain(note, await TouchesAsync());

        // The control: vouched for, the same approver approves and the statement runs.
        await Approval(held.Id).ApproveVouchedAsync(Bob, "vouched", null);
        await Eventually.HoldsAsync(TouchesAsync, notes => notes.Contains(note), TimeSpan.FromSeconds(15));
        await Approval(other.Id).DenyVouchedAsync(Bob, "not this one");
    }

    [Fact]
    public async Task Approval_steps_without_the_approval_grains_proof_are_not_recorded()
    {
        var note = "forged-step-" + Token();
        await using var held = await HoldAsync($"SELECT touch('{note}')");
        var session = (await AuditRecord.SessionOfApplicationAsync(Postgres, held.App))[0].StreamId;
        object[] forged = [new ApprovalGranted(session, held.Id, "mallory", "forged", null, 1, true, DateTimeOffset.UtcNow)];
        var wrongKey = new ApprovalProofs(new ChainKey(new byte[32]), TimeProvider.System);

        foreach (var proof in new[] { new string('0', 64), wrongKey.SignSteps(session, forged), VouchedApprovals.Proofs.SignSteps("another-session", forged) })
        {
            await Assert.ThrowsAnyAsync<Exception>(() => Grains.GetGrain<ISessionGrain>(session).RecordApprovalAsync(forged, proof));
        }

        var record = await AuditRecord.SessionOfApplicationAsync(Postgres, held.App);
        Assert.DoesNotContain(record, e => e.Type == "approval_granted");
        Assert.DoesNotContain(note, await TouchesAsync());
        await Approval(held.Id).DenyVouchedAsync(Bob, "done");
    }

    [Fact]
    public async Task A_held_statement_runs_only_once_its_grant_is_committed()
    {
        var note = "grant-first-" + Token();
        await using var held = await HoldAsync($"SELECT touch('{note}')");

        // Lock the events table: the grant cannot be committed.
        await using var audit = new NpgsqlConnection(Postgres.AuditConnectionString);
        await audit.OpenAsync();
        await using var transaction = await audit.BeginTransactionAsync();
        await using (var lockEvents = new NpgsqlCommand("LOCK TABLE og_audit.mt_events IN EXCLUSIVE MODE", audit, transaction))
        {
            await lockEvents.ExecuteNonQueryAsync();
        }

        var approving = Approval(held.Id).ApproveVouchedAsync(Bob, "go ahead", null);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(note, await TouchesAsync());

        await transaction.CommitAsync();
        await approving.WaitAsync(TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(TouchesAsync, notes => notes.Contains(note), TimeSpan.FromSeconds(15));
        var record = await AuditRecord.SessionOfApplicationAsync(Postgres, held.App);
        Assert.Contains(record, e => e.Type == "approval_granted" && e.Text("Approver") == "bob");
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
