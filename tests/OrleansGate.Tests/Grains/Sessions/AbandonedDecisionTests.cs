using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Grains.Approvals;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Sessions;

/// <summary>
/// A decision the proxy stopped waiting for (its DecisionTimeout) goes on in the grain's turn and is
/// recorded. It must be the decision of the statement that arrived, not of whatever the client sent
/// next: through the lease the grain works on the proxy's own thread, and the relay reuses its batch
/// list for the next request, so the grain must have been given a copy (as Orleans' messaging made one).
/// </summary>
public sealed class AbandonedDecisionTests(PostgresFixture postgres) : ApprovalTestBase(postgres)
{
    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        configuration.Section("Proxy")["DecisionTimeout"] = "00:00:02";
    }

    [Fact]
    public async Task A_decision_the_proxy_gave_up_on_is_recorded_for_its_own_statement_and_the_next_one_runs()
    {
        const string Bulk = "SELECT n FROM big WHERE n < 50000";
        var app = App();
        await using var client = new NpgsqlConnection(Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, "main",
            b => b.ApplicationName = app));
        await client.OpenAsync();
        Assert.Equal(1, await client.ScalarIntAsync("SELECT 1"));

        // The planner's estimate of the bulk read waits for this lock, past the proxy's 2 s.
        await using var direct = await OpenDirectAsync();
        await using var transaction = await direct.BeginTransactionAsync();
        await using (var lockBig = new NpgsqlCommand("LOCK TABLE big IN ACCESS EXCLUSIVE MODE", direct, transaction))
        {
            await lockBig.ExecuteNonQueryAsync();
        }

        var gaveUp = await Assert.ThrowsAsync<PostgresException>(() => client.ScalarIntAsync(Bulk));
        Assert.Equal("55000", gaveUp.SqlState);

        // The next statement waits for the grain's turn, which the first decision still holds.
        var next = client.ScalarIntAsync("SELECT 2");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(next.IsCompleted);
        await transaction.CommitAsync();
        Assert.Equal(2, await next.WaitAsync(TimeSpan.FromSeconds(30)));

        var record = await AuditRecord.SessionOfApplicationAsync(Postgres, app);
        var received = record.Single(e => e.Type == "statement_received" && e.Text("Sql") == Bulk);
        var sequence = received.Data.GetProperty("Sequence").GetInt64();
        var decision = record.Single(e => e.Type == "decision_made" && e.Data.GetProperty("Sequence").GetInt64() == sequence);
        Assert.Equal("Hold", decision.Text("Action"));
        Assert.Equal("hold-bulk-big", decision.Text("Rule"));
        var requested = record.Single(e => e.Type == "approval_requested");
        Assert.Equal([sequence], requested.Data.ListOf("Sequences").Select(s => s.GetInt64()));

        var ran = record.Single(e => e.Type == "statement_decided" && e.Text("Sql") == "SELECT 2");
        Assert.Equal(sequence + 1, ran.Data.GetProperty("Sequence").GetInt64());
        Assert.Equal("Allow", ran.Text("Action"));
        await Approval(requested.Text("ApprovalId")).WithdrawAsync("test over");
    }

}
