using System.Text.Json;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>The record says what was masked and why (DecisionMade), and how many values were (StatementCompleted).</summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class MaskingAuditTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    [Fact]
    public async Task DecisionMade_names_the_masked_columns_and_why_and_StatementCompleted_counts_masked_values()
    {
        var application = "mask-audit-" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = await OpenViaGatewayAsync(b => b.ApplicationName = application))
        {
            await RowsAsync(connection, "SELECT name, ssn FROM customers");
            await RowsAsync(connection, "SELECT upper(email) FROM customers WHERE id < 3");
            await RowsAsync(connection, "SELECT name FROM customers WHERE ssn LIKE '1%'");
            await RowsAsync(connection, "SELECT total FROM orders");
        }

        var stream = await AuditRecord.EndedSessionOfApplicationAsync(Postgres, application);
        var decisions = stream.Where(e => e.IsDecision).ToList();
        var completions = stream.Completions();
        var received = stream.Where(e => e.IsReceived).ToList();
        long SequenceOf(string sql) => received.Single(e => e.Text("Sql") == sql).Sequence;
        JsonElement Decision(string sql) => decisions.Single(e => e.Sequence == SequenceOf(sql)).Data;
        JsonElement Completion(string sql) => completions.Single(e => e.Sequence == SequenceOf(sql)).Data;
        static string[] Masked(JsonElement decision) =>
            decision.ListOf("MaskedColumns").Select(m => $"{m.GetProperty("Column")}:{m.GetProperty("Reason")}").ToArray();
        static string[] Counts(JsonElement completion) =>
            completion.TryGetProperty("MaskedValues", out var counts) // absent when nothing was masked
                ? counts.EnumerateArray().Select(m => $"{m.GetProperty("Column")}={m.GetProperty("Count")}").ToArray()
                : [];

        var direct = Decision("SELECT name, ssn FROM customers");
        Assert.Equal("Mask", direct.GetProperty("Action").GetString());
        Assert.Equal(["public.customers.ssn:Origin"], Masked(direct));
        Assert.Equal(["ssn=3"], Counts(Completion("SELECT name, ssn FROM customers")));

        var computed = Decision("SELECT upper(email) FROM customers WHERE id < 3");
        Assert.Equal(["public.customers.email:Derived"], Masked(computed));
        Assert.Equal(["upper=2"], Counts(Completion("SELECT upper(email) FROM customers WHERE id < 3")));

        var inference = Decision("SELECT name FROM customers WHERE ssn LIKE '1%'");
        Assert.True(inference.FlagOf("UsesMaskedColumnInPredicate"));
        Assert.Empty(Masked(inference));

        var clear = Decision("SELECT total FROM orders");
        Assert.Equal("Allow", clear.GetProperty("Action").GetString());
        Assert.False(clear.FlagOf("UsesMaskedColumnInPredicate"));
        Assert.Empty(Counts(Completion("SELECT total FROM orders")));
    }

    [Fact]
    public async Task A_server_error_quoting_a_masked_value_is_recorded_as_the_client_got_it()
    {
        var application = "mask-error-" + Guid.NewGuid().ToString("N")[..8];
        const string sql = "SELECT ssn::int FROM customers ORDER BY id";
        await using (var connection = await OpenViaGatewayAsync(b => b.ApplicationName = application))
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => RowsAsync(connection, sql));
            Assert.Equal("22P02", refused.SqlState);
            Assert.Contains("withheld", refused.MessageText, StringComparison.Ordinal);
            Assert.DoesNotContain("123-45-6789", refused.MessageText, StringComparison.Ordinal);
        }

        // The server's text ("invalid input syntax for type integer: \"123-45-6789\"") quotes the
        // masked value; the record keeps what the client saw, not that.
        var stream = await AuditRecord.EndedSessionOfApplicationAsync(Postgres, application);
        var sequence = stream.Single(e => e.IsReceived && e.Text("Sql") == sql).Sequence;
        var completed = stream.Completions().Single(e => e.Sequence == sequence).Data;
        Assert.Equal("Failed", completed.GetProperty("Outcome").GetString());
        Assert.Equal("22P02", completed.GetProperty("SqlState").GetString());
        Assert.Contains("withheld", completed.GetProperty("Message").GetString(), StringComparison.Ordinal);
        var whole = completed.GetRawText();
        Assert.All(Secrets, secret => Assert.DoesNotContain(secret, whole, StringComparison.Ordinal));
    }
}
