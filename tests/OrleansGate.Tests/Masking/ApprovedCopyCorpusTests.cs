using OrleansGate.Tests.Support;
using Xunit;
using static OrleansGate.Tests.Masking.BypassAttempt;

namespace OrleansGate.Tests.Masking;

/// <summary>COPY of masked columns where a rule lets it run: every format's rows arrive masked; binary is still refused.</summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class ApprovedCopyCorpusTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    protected override string SetUpDatabaseSql => base.SetUpDatabaseSql + BypassCorpus.SetUpSql;

    protected override string PolicyJson => """
        { "Name": "shop",
          "Masks": [
            { "Column": "public.customers.ssn", "Strategy": "Redact" },
            { "Column": "public.customers.email", "Strategy": "Email" },
            { "Column": "public.customers.card_number", "Strategy": "Partial", "KeepLast": 4 }
          ],
          "Rules": [ { "Name": "copy-masked", "Kinds": ["CopyTo"], "Action": "Allow", "Overrides": ["masked-copy-out"] } ] }
        """;

    private static IReadOnlyList<BypassAttempt> Attempts { get; } =
    [
        Rows("copy-table-text", "COPY customers TO STDOUT", minRows: 3),
        Rows("copy-table-csv", "COPY customers TO STDOUT WITH (FORMAT csv)", minRows: 3),
        Rows("copy-csv-header-delimiter-quote", "COPY customers TO STDOUT WITH (FORMAT csv, HEADER, DELIMITER '|', QUOTE '*', FORCE_QUOTE *)", minRows: 4),
        Rows("copy-text-delimiter-null", "COPY customers TO STDOUT WITH (DELIMITER '-', NULL 'nothing')", minRows: 3),
        Rows("copy-columns", "COPY customers (name, ssn, card_number) TO STDOUT", minRows: 3),
        Rows("copy-columns-reordered", "COPY customers (card_number, email, name) TO STDOUT WITH (FORMAT csv)", minRows: 3),
        Rows("copy-legacy-syntax", "COPY customers TO STDOUT WITH CSV HEADER", minRows: 4),
        // COPY of a query masks each column as resolved: name is clean, ssn is ssn.
        Rows("copy-query", "COPY (SELECT name, ssn FROM customers) TO STDOUT", minRows: 3),
        // The same with the names hidden: alias lists, a join alias, functional notation.
        Rows("copy-query-alias-list", "COPY (SELECT b, upper(d), c || '' FROM customers AS x(a, b, c, d)) TO STDOUT", minRows: 3),
        Rows("copy-query-join-alias", "COPY (SELECT j.name, row_to_json(j) FROM (customers CROSS JOIN (SELECT 1 AS one) z) AS j) TO STDOUT WITH (FORMAT csv)",
            minRows: 3),
        Rows("copy-query-functional", "COPY (SELECT c.name, c.quote_literal, c.to_jsonb FROM customers c) TO STDOUT", minRows: 3),
        Rows("copy-query-partial-pieces", "COPY (SELECT name, 'a@' || split_part(email, '@', 1), '#####' || substr(card_number, 1, 4) FROM customers) TO STDOUT",
            minRows: 3),
        Rows("copy-query-clean-only", "COPY (SELECT id, name, upper(name) FROM customers) TO STDOUT", minRows: 3),
        Rows("copy-query-expression", "COPY (SELECT name, upper(ssn), email || '', length(card_number) FROM customers) TO STDOUT WITH (FORMAT csv)", marker: null, minRows: 3),
        // A cast that fails for some values would say whether it failed (masking:predicate by default).
        Refused("copy-query-failing-cast", "COPY (SELECT name, card_number::numeric FROM customers) TO STDOUT WITH (FORMAT csv)"),
        Rows("copy-query-whole-row", "COPY (SELECT c FROM customers c) TO STDOUT", marker: null, minRows: 3),
        Rows("copy-query-view", "COPY (SELECT * FROM v_alias) TO STDOUT", marker: null, minRows: 3),
        Rows("copy-matview-query", "COPY (SELECT * FROM mv_customers) TO STDOUT", marker: null, minRows: 3),
        Rows("copy-query-evil-view", "COPY (SELECT * FROM evil.customers) TO STDOUT WITH (FORMAT csv)", marker: null, minRows: 3),
        Rows("copy-query-udf", "COPY (SELECT note, get_ssn(customer_id) FROM orders) TO STDOUT", marker: null, minRows: 3),
        new("copy-search-path", ["SET search_path = evil, public", "COPY (SELECT * FROM customers) TO STDOUT"], Expect.Rows, Marker: null, MinRows: 3),
        Refused("copy-binary", "COPY customers TO STDOUT WITH (FORMAT binary)"),
        Refused("copy-query-binary", "COPY (SELECT ssn FROM customers) TO STDOUT WITH (FORMAT binary)"),
        Refused("copy-query-binary-alias-list", "COPY (SELECT upper(d) FROM customers AS x(a, b, c, d)) TO STDOUT WITH (FORMAT binary)"),
        Refused("copy-query-binary-functional", "COPY (SELECT c.quote_literal FROM customers c) TO STDOUT WITH (FORMAT binary)"),
    ];

    // A computed value's NULL would say a bit of ssn (nullif(…, '1') is NULL exactly for Ann's): COPY writes the placeholder for both.
    [Fact]
    public async Task A_computed_value_reads_the_same_null_or_not_through_copy()
    {
        await using var connection = await OpenViaGatewayAsync();
        using var reader = await connection.BeginTextExportAsync(
            "COPY (SELECT id, nullif(substr(ssn, 1, 1), '1') FROM customers WHERE id <= 2 ORDER BY id) TO STDOUT");
        var lines = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(["1\t****", "2\t****"], lines);
    }

    [Fact]
    public async Task Psql_gets_no_secret() =>
        BypassCorpusTests.AssertHeld(await BypassPaths.RunAllAsync(Attempts,
            a => BypassPaths.PsqlAsync(a, Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"))));

    [Fact]
    public async Task Npgsql_gets_no_secret()
    {
        await using var tees = new LoopbackTees(Gateway.Port);
        BypassCorpusTests.AssertHeld(await BypassPaths.RunAllAsync(Attempts,
            a => BypassPaths.NpgsqlAsync(a, tees, port => ViaGateway(b => b.Port = port))));
    }

    [Fact]
    public async Task The_extended_protocol_gets_no_secret() =>
        BypassCorpusTests.AssertHeld(await BypassPaths.RunAllAsync(Attempts, a => BypassPaths.ExtendedAsync(a, Gateway.Port)));
}
