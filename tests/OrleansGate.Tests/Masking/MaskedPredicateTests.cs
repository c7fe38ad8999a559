using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>With <c>MaskedPredicates: Flag</c> filtering on a masked column runs, and the decision says so for the auditor.</summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class MaskedPredicateTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    private const string Like = "SELECT name, ssn FROM customers WHERE ssn LIKE '1%'";
    private const string NoPredicate = "SELECT name, ssn FROM customers WHERE name = 'Bob'";

    [Fact]
    public async Task A_masked_predicate_runs_and_DecisionMade_flags_it()
    {
        var application = "predicate-" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = await OpenViaGatewayAsync(b => b.ApplicationName = application))
        {
            Assert.Equal([["Ann", "****"]], await RowsAsync(connection, Like));
            Assert.Equal([["Bob", "****"]], await RowsAsync(connection, NoPredicate));
        }

        var stream = await WaitForEndAsync(application);
        Assert.True(DecisionOf(stream, Like).FlagOf("UsesMaskedColumnInPredicate"));
        Assert.False(DecisionOf(stream, NoPredicate).FlagOf("UsesMaskedColumnInPredicate"));
    }

    private static System.Text.Json.JsonElement DecisionOf(List<RecordedEvent> stream, string sql)
    {
        var received = stream.Single(e => e.IsReceived && e.Text("Sql") == sql);
        return stream.Single(e => e.IsDecision && e.Sequence == received.Sequence).Data;
    }

    private async Task<List<RecordedEvent>> WaitForEndAsync(string application)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var stream = await AuditRecord.SessionOfApplicationAsync(Postgres, application);
            if (stream[^1].Type == "session_ended")
            {
                return stream;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the session's record did not end");
    }
}

/// <summary>
/// By default (<c>MaskedPredicates</c> left out: Block) a statement whose rows, their number or their
/// order depend on a masked value is refused: each way below read masked values whole, or a bit at a
/// time, when predicates only were flagged (an attack run against the demo, 2026-12-07).
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class BlockedMaskedPredicateTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    protected override string PolicyJson => """
        { "Name": "shop",
          "Masks": [
            { "Column": "public.customers.ssn", "Strategy": "Redact" },
            { "Column": "public.customers.email", "Strategy": "Email" },
            { "Column": "public.customers.card_number", "Strategy": "Partial", "KeepLast": 4 }
          ],
          "Rules": [] }
        """;

    [Theory]
    [InlineData("SELECT name FROM customers WHERE ssn LIKE '1%'")]
    [InlineData("SELECT name FROM customers ORDER BY card_number")]
    [InlineData("SELECT count(*) FROM customers GROUP BY email")]
    [InlineData("SELECT o.note FROM orders o JOIN customers c ON c.ssn = o.note")]
    // Every character of every ssn in one statement: which (position, character) pairs match.
    [InlineData("SELECT c.id, string_agg(chr(g), '' ORDER BY i) FROM customers c, generate_series(1, 11) i, generate_series(32, 126) g WHERE substr(c.ssn, i, 1) = chr(g) GROUP BY c.id")]
    // A set-returning function's row count is its argument: count(*) is the first character's code.
    [InlineData("SELECT count(*) FROM customers c, generate_series(1, ascii(c.ssn)) g WHERE id = 1")]
    [InlineData("SELECT (SELECT count(*) FROM generate_series(1, ascii(ssn))) FROM customers WHERE id = 1")]
    [InlineData("SELECT id, n FROM customers c, LATERAL (SELECT count(*) AS n FROM generate_series(1, ascii(c.ssn))) x WHERE id = 1")]
    [InlineData("SELECT count(*) FROM customers c, regexp_split_to_table(c.ssn, '') x WHERE id = 1")]
    // The same in a select list: as many rows as the first character's code, every one masked.
    [InlineData("SELECT generate_series(1, ascii(ssn)) FROM customers WHERE id = 1")]
    [InlineData("SELECT unnest(string_to_array(ssn, '-')) FROM customers WHERE id = 1")]
    [InlineData("SELECT regexp_matches(ssn, '[0-9]', 'g') FROM customers WHERE id = 1")]
    [InlineData("SELECT n FROM customers c CROSS JOIN LATERAL ROWS FROM (generate_series(1, ascii(c.ssn))) AS g(n) WHERE id = 1")]
    [InlineData("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r, customers c WHERE c.id = 1 AND n < ascii(c.ssn)) SELECT count(*) FROM r")]
    [InlineData("SELECT id FROM orders OFFSET (SELECT ascii(ssn) - 48 FROM customers WHERE id = 1)")]
    [InlineData("SELECT id FROM orders FETCH FIRST (SELECT ascii(ssn) - 48 FROM customers WHERE id = 1) ROWS ONLY")]
    [InlineData("SELECT id, sum(1) OVER (PARTITION BY substr(ssn, 1, 1)) FROM customers")]
    [InlineData("SELECT count(*) FROM (SELECT 1 FROM generate_series(1, 200) LIMIT (SELECT ascii(ssn) FROM customers WHERE id = 1)) s")]
    // Rows matched against a guess, or against the masked values themselves.
    [InlineData("SELECT '123-45-6789' AS x EXCEPT SELECT ssn FROM customers")]
    [InlineData("SELECT ssn FROM customers UNION SELECT '123-45-6789'")]
    [InlineData("SELECT v.x FROM customers c JOIN (VALUES ('123-45-6789')) v(x) ON c.ssn = v.x")]
    [InlineData("SELECT name FROM customers WHERE id = 1 AND EXISTS (SELECT 1 FROM customers c2 WHERE c2.id = 1 AND c2.ssn LIKE '1%')")]
    [InlineData("SELECT id, row_number() OVER (ORDER BY email) FROM customers")]
    [InlineData("SELECT count(*) FROM customers c WHERE id = 1 AND (SELECT pg_sleep(0) WHERE c.ssn LIKE '1%') IS NULL")]
    [InlineData("EXPLAIN (ANALYZE) SELECT id FROM customers WHERE ssn = '123-45-6789'")]
    // Its steps' times and its sorts' memory, over masked values.
    [InlineData("EXPLAIN (ANALYZE) SELECT id, ssn FROM customers ORDER BY id")]
    // Whether a computation over a masked value fails: an error or a (masked) row is one bit of it.
    [InlineData("SELECT 1 / (ascii(ssn) - 49) FROM customers WHERE id = 1")]
    [InlineData("SELECT ssn::int FROM customers WHERE id = 1")]
    [InlineData("SELECT substr('abc', 1, ascii(ssn) - 49) FROM customers WHERE id = 1")]
    [InlineData("SELECT CASE WHEN ssn LIKE '1%' THEN 1 / (id - id) END FROM customers WHERE id = 1")]
    [InlineData("SELECT CASE WHEN ssn LIKE '1%' THEN (SELECT 1 UNION ALL SELECT 2) END FROM customers WHERE id = 1")]
    [InlineData("SELECT CASE WHEN ssn LIKE '1%' THEN current_setting('no.such_setting') END FROM customers WHERE id = 1")]
    [InlineData("SELECT CASE WHEN ssn LIKE '1%' THEN pg_sleep(1) END FROM customers WHERE id = 1")]
    [InlineData("SELECT 1 / s FROM (SELECT CASE WHEN email LIKE 'a%' THEN 0 ELSE 1 END AS s FROM customers WHERE id = 1) t")]
    // An allowed name's other overload fails on a masked argument; an allowed function's result grows with one (a second attack).
    [InlineData("SELECT length('x'::bytea, concat('LATIN', translate(substr(ssn, 3, 1), '0123456789', '1111100000'))) FROM customers WHERE id = 1")]
    [InlineData("SELECT translate(repeat('1', 1000), substr(ssn, 1, 1), '') FROM customers WHERE id = 1")]
    [InlineData("SELECT substring(ssn FROM '^1') FROM customers WHERE id = 1")]
    public async Task Is_refused(string sql)
    {
        await using var connection = await OpenViaGatewayAsync();
        var refused = await Assert.ThrowsAsync<PostgresException>(() => RowsAsync(connection, sql));

        Assert.Equal("42501", refused.SqlState);
        Assert.Contains("masking:predicate", refused.MessageText, StringComparison.Ordinal);
        // The session goes on: masked columns can still be read, masked.
        Assert.Equal([["Ann", "****"]], await RowsAsync(connection, "SELECT name, ssn FROM customers WHERE id = 1"));
    }

    [Fact]
    public async Task A_failing_computation_is_refused_through_a_prepared_statement_too()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand("SELECT 1 / (ascii(ssn) - $1) FROM customers WHERE id = 1", connection);
        command.Parameters.AddWithValue(49);
        var refused = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await command.PrepareAsync();
            await command.ExecuteScalarAsync();
        });

        Assert.Equal("42501", refused.SqlState);
        Assert.Contains("masking:predicate", refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Computations_that_accept_every_value_run_masked()
    {
        var row = Assert.Single(await RowsAsync(
            "SELECT upper(ssn), ssn::text, substr(ssn, 1, 3), coalesce(email, ''), length(card_number), ssn || '!', "
            + "CASE WHEN ssn = '123-45-6789' THEN 'a' ELSE 'b' END FROM customers WHERE id = 1"));

        Assert.Equal(7, row.Length);
        Assert.All(row, value => Assert.DoesNotContain("123", value ?? string.Empty, StringComparison.Ordinal));
        Assert.All(row, value => Assert.DoesNotContain("ann", value ?? string.Empty, StringComparison.Ordinal));
        Assert.NotEqual("a", row[6]);
    }

    // A computed value says nothing by being NULL: nullif(…, '1') is NULL exactly when ssn starts
    // with 1 (Ann's does, Bob's does not), and both read the same (the attack of 2026-12-07, late).
    [Theory]
    [InlineData("SELECT id, nullif(substr(ssn, 1, 1), '1') FROM customers WHERE id <= 2 ORDER BY id")]
    [InlineData("SELECT id, CASE WHEN ssn = '123-45-6789' THEN 'x' END FROM customers WHERE id <= 2 ORDER BY id")]
    [InlineData("SELECT id, ssn IN ('123-45-6789', NULL) FROM customers WHERE id <= 2 ORDER BY id")]
    [InlineData("SELECT id, (SELECT string_agg(CASE WHEN c2.ssn = '123-45-6789' THEN 'x' END, '') FROM customers c2 WHERE c2.id = c.id) FROM customers c WHERE id <= 2 ORDER BY id")]
    public async Task A_computed_value_reads_the_same_null_or_not(string sql)
    {
        var rows = await RowsAsync(sql);

        Assert.Equal(2, rows.Count);
        Assert.NotEqual("NULL", rows[0][1]);
        Assert.Equal(rows[0][1], rows[1][1]);
    }

    [Fact]
    public async Task A_computed_value_reads_the_same_null_or_not_through_psql_and_a_prepared_statement()
    {
        const string sql = "SELECT id, nullif(substr(ssn, 1, 1), '1') FROM customers WHERE id <= 2 ORDER BY id";
        var psql = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"),
            ["-At", "-c", sql]);
        Assert.Equal(0, psql.ExitCode);
        Assert.Equal(["1|****", "2|****"], psql.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand("SELECT nullif(substr(ssn, 1, 1), $1) FROM customers WHERE id = 1", connection);
        command.Parameters.AddWithValue("1");
        await command.PrepareAsync();
        Assert.Equal("****", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Union_all_compares_nothing_and_runs_masked()
    {
        var rows = await RowsAsync("SELECT ssn FROM customers UNION ALL SELECT 'x'");

        // The column is ssn's on one side, so it keeps ssn's rule on both.
        Assert.Equal(["****", "****", "****", "****"], rows.Select(r => r[0]));
    }

    [Fact]
    public async Task Is_refused_through_psql()
    {
        var psql = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"),
            ["-c", "SELECT name FROM customers WHERE ssn LIKE '1%'"]);

        Assert.NotEqual(0, psql.ExitCode);
        Assert.Contains("blocked by rule 'masking:predicate'", psql.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Ann", psql.StandardOutput, StringComparison.Ordinal);
    }
}
