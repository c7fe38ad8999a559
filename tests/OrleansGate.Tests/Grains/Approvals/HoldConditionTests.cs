using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Approvals;

/// <summary>
/// The built-in conditions a rule can require: unbounded writes, DDL on a production target, bulk
/// reads (no LIMIT, or a planner estimate over the rule's threshold).
/// </summary>
public sealed class HoldConditionTests(PostgresFixture postgres) : ApprovalTestBase(postgres)
{
    // These tests only read decisions: every held statement is withdrawn, nothing is approved, so
    // no approval window of one test can let another's statement through. One gateway serves them all.
    protected override bool SharesGatewayWithClass => true;

    [Theory]
    [InlineData("UPDATE touches SET note = note", "Hold", "hold-unbounded-writes")]
    [InlineData("UPDATE touches SET note = note WHERE id < 0", "Allow", "default:allow")]
    [InlineData("DELETE FROM touches WHERE id < 0", "Allow", "default:allow")]
    [InlineData("WITH gone AS (UPDATE touches SET note = 'x' RETURNING id) SELECT count(*) FROM gone", "Hold", "hold-unbounded-writes")]
    [InlineData("WITH gone AS (DELETE FROM touches WHERE id < 0 RETURNING id) SELECT count(*) FROM gone", "Allow", "default:allow")]
    [InlineData("DELETE FROM touches", "Hold", "two-for-deletes")]
    public async Task Unbounded_writes_are_held(string sql, string action, string rule) =>
        await AssertDecisionAsync(sql, action, rule);

    [Fact]
    public async Task Ddl_is_held_on_a_production_target_only()
    {
        await AssertDecisionAsync("CREATE TABLE made_in_production (id int)", "Hold", "hold-production-ddl");
        await AssertDecisionAsync("CREATE TABLE made_elsewhere (id int)", "Allow", "default:allow", target: "md5");
    }

    [Theory]
    [InlineData("SELECT * FROM secrets", "Hold", "hold-bulk-secrets")]
    [InlineData("SELECT value FROM secrets WHERE id = 1", "Hold", "hold-bulk-secrets")]
    [InlineData("SELECT * FROM secrets LIMIT 5", "Allow", "default:allow")]
    [InlineData("SELECT * FROM secrets FETCH FIRST 5 ROWS ONLY", "Allow", "default:allow")]
    [InlineData("SELECT * FROM secrets LIMIT ALL", "Hold", "hold-bulk-secrets")]
    [InlineData("SELECT * FROM (SELECT * FROM secrets LIMIT 5) AS s", "Hold", "hold-bulk-secrets")]
    [InlineData("SELECT count(*) FROM touches", "Allow", "default:allow")]
    public async Task A_select_of_listed_tables_without_limit_is_a_bulk_read(string sql, string action, string rule) =>
        await AssertDecisionAsync(sql, action, rule);

    [Theory]
    [InlineData("SELECT * FROM big", "Hold", "hold-bulk-big")]
    [InlineData("SELECT n FROM big WHERE n = 5", "Allow", "default:allow")]
    [InlineData("SELECT n FROM big LIMIT 10", "Allow", "default:allow")]
    [InlineData("SELECT n FROM big WHERE n < 50000", "Hold", "hold-bulk-big")]
    [InlineData("SELECT n FROM big WHERE n = no_such_column", "Hold", "hold-bulk-big")]
    public async Task With_a_row_threshold_the_planners_estimate_decides_and_no_estimate_counts_as_bulk(string sql, string action, string rule) =>
        await AssertDecisionAsync(sql, action, rule);

    [Fact]
    public async Task The_approver_is_shown_the_planners_estimate_and_the_record_keeps_it()
    {
        const string Sql = "SELECT n FROM big WHERE n < 50000";
        var (record, ran) = await RunAsync(Sql);
        Assert.False(ran);

        var requested = record.Single(e => e.Type == "approval_requested");
        var recorded = Assert.Single(requested.Data.ListOf("EstimatedRows")).GetInt64();
        // The planner's own figure for the predicate (EXPLAIN, never run): tens of thousands, over the rule's 1000.
        Assert.InRange(recorded, 10_000, 100_000);

        var view = await Approval(requested.Text("ApprovalId")).GetAsync();
        Assert.Equal([recorded], view!.Request.EstimatedRows);
        await Approval(requested.Text("ApprovalId")).WithdrawAsync("test over");
    }

    [Fact]
    public async Task A_hold_without_an_estimate_records_none()
    {
        // No estimate could be had (the column does not exist): held as bulk, fail closed, and nothing is claimed.
        var (record, _) = await RunAsync("SELECT n FROM big WHERE n = no_such_column");
        var requested = record.Single(e => e.Type == "approval_requested");
        Assert.False(requested.Data.TryGetProperty("EstimatedRows", out _));
        await Approval(requested.Text("ApprovalId")).WithdrawAsync("test over");
    }

    [Fact]
    public async Task A_statement_is_recorded_in_a_commit_of_its_own_before_it_is_sent_for_an_estimate()
    {
        var (estimated, _) = await RunAsync("SELECT n FROM big WHERE n = 7");
        var (plain, _) = await RunAsync("SELECT count(*) FROM touches");

        // Invariant 1 with EXPLAIN: StatementReceived committed, then EXPLAIN upstream, then the decision.
        var estimatedRows = await TransactionsAsync(estimated, "SELECT n FROM big WHERE n = 7");
        Assert.Equal(["decision_made", "statement_received"], estimatedRows.Keys.Order());
        Assert.NotEqual(estimatedRows["statement_received"], estimatedRows["decision_made"]);
        // Without an estimate, arrival and decision are one event, committed once.
        var plainRows = await TransactionsAsync(plain, "SELECT count(*) FROM touches");
        Assert.Equal(["statement_decided"], plainRows.Keys);
    }

    /// <summary>The transactions (xmin) that committed the events saying what arrived and what was decided, by event type.</summary>
    private async Task<Dictionary<string, string>> TransactionsAsync(List<RecordedEvent> record, string sql)
    {
        var received = record.Single(e => e.IsReceived && e.Text("Sql") == sql);
        await using var connection = new Npgsql.NpgsqlConnection(Postgres.AuditConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT type, xmin::text FROM og_audit.mt_events WHERE stream_id = @stream AND (data->>'Sequence')::bigint = @sequence " +
            "AND type IN ('statement_received', 'decision_made', 'statement_decided')", connection);
        command.Parameters.AddWithValue("stream", received.StreamId);
        command.Parameters.AddWithValue("sequence", received.Sequence);
        var transactions = new Dictionary<string, string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            transactions[reader.GetString(0)] = reader.GetString(1);
        }

        return transactions;
    }

    private async Task AssertDecisionAsync(string sql, string action, string rule, string target = "main")
    {
        var (record, ran) = await RunAsync(sql, target);

        var decision = Assert.Single(DecisionsOn(record, sql));
        Assert.Equal((action, rule), (decision.Text("Action"), decision.Text("Rule")));
        if (action == "Hold")
        {
            Assert.False(ran);
            var id = record.Single(e => e.Type == "approval_requested").Text("ApprovalId");
            await Approval(id).WithdrawAsync("test over");
        }
    }
}
