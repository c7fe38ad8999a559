using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>Filtering on a masked column runs by default, and the decision says so for the auditor.</summary>
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

/// <summary>With <c>MaskedPredicates: Block</c> a statement that filters, sorts, groups or joins on a masked column is refused.</summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class BlockedMaskedPredicateTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    protected override string PolicyJson => """
        { "Name": "shop",
          "MaskedPredicates": "Block",
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
    public async Task Is_refused_through_psql()
    {
        var psql = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"),
            ["-c", "SELECT name FROM customers WHERE ssn LIKE '1%'"]);

        Assert.NotEqual(0, psql.ExitCode);
        Assert.Contains("blocked by rule 'masking:predicate'", psql.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Ann", psql.StandardOutput, StringComparison.Ordinal);
    }
}
