using System.Text.RegularExpressions;
using Npgsql;
using OrleansGate.Grains.Approvals;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Approvals;

/// <summary>
/// Approval state lives in grain storage, a table in a database its administrators (and anyone who
/// steals their credentials) can write. Rows changed or copied there by hand must not let a statement
/// through: every write is sealed with a key the database never holds, and a row whose seal does not
/// verify is treated as absent. The gateway is restarted after each change so that grains read it.
/// </summary>
public sealed partial class GrainStorageTamperingTests(PostgresFixture postgres) : ApprovalTestBase(postgres)
{
    [Fact]
    public async Task A_window_stretched_by_hand_opens_nothing_after_a_restart()
    {
        var key = await ApproveWithWindowAsync("SELECT touch('stretch-0')", TimeSpan.FromSeconds(1));
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var stored = await PayloadAsync(key);
        Assert.Matches(UntilValue(), stored);
        await WritePayloadAsync(key, UntilValue().Replace(stored, "\"Until\":\"2099-01-01T00:00:00+00:00\""));
        await RestartGatewayAsync();

        var (record, ran) = await RunAsync("SELECT touch('stretch-1')");
        Assert.False(ran);
        Assert.DoesNotContain("stretch-1", await TouchesAsync());
        Assert.Equal("Hold", Assert.Single(DecisionsOn(record, "SELECT touch('stretch-1')")).Text("Action"));
        await Approval(record.Single(e => e.Type == "approval_requested").Text("ApprovalId")).WithdrawAsync("test over");
    }

    [Fact]
    public async Task A_window_copied_onto_another_statement_opens_nothing_while_the_real_one_still_does()
    {
        var open = await ApproveWithWindowAsync("SELECT touch('copy-a-0')", TimeSpan.FromMinutes(10));
        var closed = await ApproveWithWindowAsync("SELECT 1, touch('copy-b-0')", TimeSpan.FromSeconds(1));
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        await WritePayloadAsync(closed, await PayloadAsync(open));
        await RestartGatewayAsync();

        var (copied, copiedRan) = await RunAsync("SELECT 1, touch('copy-b-1')");
        Assert.False(copiedRan);
        Assert.Equal("Hold", Assert.Single(DecisionsOn(copied, "SELECT 1, touch('copy-b-1')")).Text("Action"));
        await Approval(copied.Single(e => e.Type == "approval_requested").Text("ApprovalId")).WithdrawAsync("test over");

        // The window the approver did open was written sealed, read back after the restart, and still holds.
        var (real, realRan) = await RunAsync("SELECT touch('copy-a-1')");
        Assert.True(realRan);
        Assert.StartsWith("approval-window:", Assert.Single(DecisionsOn(real, "SELECT touch('copy-a-1')")).Text("Rule"));
        Assert.Contains("copy-a-1", await TouchesAsync());
        Assert.DoesNotContain("copy-b-1", await TouchesAsync());
    }

    [Fact]
    public async Task A_request_marked_granted_by_hand_is_not_granted_and_nothing_records_a_grant()
    {
        await using var held = await HoldAsync("DELETE FROM touches");
        await Approval(held.Id).ApproveVouchedAsync(Bob, "first of two", null);

        var key = held.Id;
        var stored = await PayloadAsync(key);
        Assert.Contains("\"Status\":\"Pending\"", stored);
        await WritePayloadAsync(key, stored.Replace("\"Status\":\"Pending\"", "\"Status\":\"Granted\"").Replace("\"MinApprovals\":2", "\"MinApprovals\":1"));
        await RestartGatewayAsync();

        Assert.NotEqual(ApprovalStatus.Granted, (await Approval(held.Id).GetAsync())?.Status);
        await Assert.ThrowsAnyAsync<Exception>(() => Approval(held.Id).ApproveVouchedAsync(Dave, "second", null));
        // Bob's vote is the only one recorded, and it was not the final one.
        var grant = Assert.Single(await AuditRecord.SessionOfApplicationAsync(Postgres, held.App), e => e.Type == "approval_granted");
        Assert.Equal("bob", grant.Text("Approver"));
        Assert.Equal("False", grant.Text("Final"));
    }

    /// <summary>Holds <paramref name="sql"/>, approves it with a window and returns the window's grain key.</summary>
    private async Task<string> ApproveWithWindowAsync(string sql, TimeSpan window)
    {
        await using var held = await HoldAsync(sql);
        var view = await Approval(held.Id).ApproveVouchedAsync(Bob, "for a while", window);
        Assert.NotNull(view.WindowUntil);
        return ApprovalWindowKey.For(view.Request);
    }

    private async Task<string> PayloadAsync(string key)
    {
        await using var connection = new NpgsqlConnection(Postgres.AuditConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT convert_from(payload, 'UTF8') FROM og_grain_state WHERE grain_id_string LIKE '%' || @key", connection);
        command.Parameters.AddWithValue("key", key);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task WritePayloadAsync(string key, string payload)
    {
        await using var connection = new NpgsqlConnection(Postgres.AuditConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "UPDATE og_grain_state SET payload = convert_to(@payload, 'UTF8') WHERE grain_id_string LIKE '%' || @key", connection);
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("payload", payload);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    [GeneratedRegex("\"Until\":\"[^\"]+\"")]
    private static partial Regex UntilValue();
}
