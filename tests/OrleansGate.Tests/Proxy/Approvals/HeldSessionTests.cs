using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Grains.Approvals;
using OrleansGate.Tests.Audit;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Approvals;

/// <summary>
/// What a client sees of a held statement, with Npgsql: it waits inside its live session, nothing
/// of it reaches the server before approval, and approval, denial, expiry or the client's own
/// cancel each end it the way the issue says — the session usable afterwards, in or out of a
/// transaction. touch(note) is the witness: it writes a row when (and only when) it runs upstream.
/// </summary>
public sealed class HeldSessionTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    private static readonly Approver Bob = new("bob", ["approvers"]);

    protected override void Configure(JsonObject configuration) =>
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "held", "Rules": [
              { "Name": "hold-secrets-briefly", "Relations": ["secrets"], "Kinds": ["Select"], "Action": "Hold",
                "ApproverGroups": ["approvers"], "Timeout": "00:00:02" },
              { "Name": "hold-touch", "Functions": ["touch"], "Action": "Hold", "ApproverGroups": ["approvers"] } ] }
            """);

    private IGrainFactory Grains => Gateway.Services.GetRequiredService<IGrainFactory>();

    private Task<ApprovalRequest> PendingAsync(string marker) =>
        PendingApprovals.WaitForAsync(Grains, sql => sql.Contains(marker, StringComparison.Ordinal), marker);

    [Fact]
    public async Task An_approved_statement_runs_only_after_approval_and_its_result_arrives()
    {
        var note = "approved-" + Token();
        await using var connection = await OpenViaGatewayAsync();
        var notices = new List<string>();
        connection.Notice += (_, e) => notices.Add(e.Notice.MessageText + " | " + e.Notice.Hint);

        await using var command = new NpgsqlCommand($"SELECT touch('{note}')", connection);
        var running = command.ExecuteScalarAsync();
        var request = await PendingAsync(note);

        await Task.Delay(300);
        Assert.False(running.IsCompleted);
        Assert.DoesNotContain(note, await TouchesAsync());

        await Grains.GetGrain<IApprovalGrain>(request.Id).ApproveVouchedAsync(Bob, "looks fine", window: null);

        Assert.Equal(note, await running.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(note, await TouchesAsync());
        var notice = Assert.Single(notices);
        Assert.Contains($"held for approval {request.Id}", notice, StringComparison.Ordinal);
        Assert.Contains($"approvals approve {request.Id}", notice, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_denied_statement_fails_with_42501_and_the_reason_and_the_session_goes_on()
    {
        var note = "denied-" + Token();
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand($"SELECT touch('{note}')", connection);
        var running = command.ExecuteScalarAsync();
        var request = await PendingAsync(note);

        await Grains.GetGrain<IApprovalGrain>(request.Id).DenyVouchedAsync(Bob, "not during the audit");

        var error = await Assert.ThrowsAsync<PostgresException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("42501", error.SqlState);
        Assert.Contains("denied by bob", error.MessageText, StringComparison.Ordinal);
        Assert.Contains("not during the audit", error.MessageText, StringComparison.Ordinal);
        Assert.DoesNotContain(note, await TouchesAsync());
        await using var next = new NpgsqlCommand("SELECT 41 + 1", connection);
        Assert.Equal(42, await next.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_statement_nobody_decides_expires_with_an_error()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM secrets", connection);

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal("42501", error.SqlState);
        Assert.Contains("expired", error.MessageText, StringComparison.Ordinal);
        await using var next = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await next.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_clients_cancel_withdraws_a_held_statement()
    {
        var note = "cancelled-" + Token();
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand($"SELECT touch('{note}')", connection);
        using var cancel = new CancellationTokenSource();
        var running = command.ExecuteScalarAsync(cancel.Token);
        var request = await PendingAsync(note);

        await cancel.CancelAsync();

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        var error = thrown as PostgresException ?? thrown.InnerException as PostgresException;
        Assert.Equal("57014", error?.SqlState);
        Assert.Equal(ApprovalStatus.Withdrawn, (await Grains.GetGrain<IApprovalGrain>(request.Id).GetAsync())!.Status);
        Assert.DoesNotContain(note, await TouchesAsync());
        await using var next = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await next.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_held_statement_denied_inside_a_transaction_leaves_the_transaction_as_the_server_has_it()
    {
        var before = "in-tx-" + Token();
        var held = "held-in-tx-" + Token();
        await using var connection = await OpenViaGatewayAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand($"INSERT INTO touches (note) VALUES ('{before}')", connection, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand($"SELECT touch('{held}')", connection, transaction);
        var running = command.ExecuteScalarAsync();
        var request = await PendingAsync(held);
        await Grains.GetGrain<IApprovalGrain>(request.Id).DenyVouchedAsync(Bob, "no");
        await Assert.ThrowsAsync<PostgresException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));

        // Nothing reached the server, so its transaction is still open and sound: it goes on and commits.
        await using (var more = new NpgsqlCommand("SELECT 1", connection, transaction))
        {
            Assert.Equal(1, await more.ExecuteScalarAsync());
        }

        await transaction.CommitAsync();
        var touches = await TouchesAsync();
        Assert.Contains(before, touches);
        Assert.DoesNotContain(held, touches);
    }

    [Fact]
    public async Task An_extended_protocol_batch_waits_and_is_refused_as_a_whole()
    {
        var first = "batch-a-" + Token();
        var second = "batch-b-" + Token();
        await using var connection = await OpenViaGatewayAsync();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { new($"INSERT INTO touches (note) VALUES ('{first}')"), new($"SELECT touch('{second}')") },
        };
        var running = batch.ExecuteNonQueryAsync();
        var request = await PendingAsync(second);
        Assert.Equal(2, request.Statements.Count);

        await Grains.GetGrain<IApprovalGrain>(request.Id).DenyVouchedAsync(Bob, "no batches today");

        await Assert.ThrowsAsync<PostgresException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        var touches = await TouchesAsync();
        Assert.DoesNotContain(first, touches);
        Assert.DoesNotContain(second, touches);
    }

    [Fact]
    public async Task A_client_that_goes_away_while_held_withdraws_its_request()
    {
        var note = "gone-" + Token();
        using var psql = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("psql",
            ["-X", "-c", $"SELECT touch('{note}')", Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var request = await PendingAsync(note);

        psql.Kill();
        await psql.WaitForExitAsync();

        var approval = Grains.GetGrain<IApprovalGrain>(request.Id);
        for (var attempt = 0; attempt < 50 && (await approval.GetAsync())!.IsPending; attempt++)
        {
            await Task.Delay(100);
        }

        var view = (await approval.GetAsync())!;
        Assert.Equal(ApprovalStatus.Withdrawn, view.Status);
        Assert.Equal("the client went away", view.Reason);
        Assert.DoesNotContain(note, await TouchesAsync());
    }
}
