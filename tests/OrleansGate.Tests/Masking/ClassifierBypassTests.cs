using System.Text.Json;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// Masking's side of three classifier bypasses: SELECT … INTO in a set operation's leftmost
/// branch laundered masked columns into a new table; <c>(q).ts_stat</c> ran SQL given as text that
/// read them unmasked; EXECUTE's arguments called query_to_xml whatever p was. Each is refused by
/// the rule that names it, nothing runs upstream, and the record says what the statement does.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class ClassifierBypassTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    private const string SetOperationInto = "select ssn, card_number, email into t_union_launder from customers union all select 'x', 'y', 'z'";
    private const string TextStatistics = "select (q).ts_stat from (select $$select to_tsvector('simple', ssn) from customers$$::text q) s";
    private const string ExecuteArgument = "execute p(query_to_xml('select ssn, card_number from customers limit 2', true, false, '')::text)";

    [Fact]
    public async Task Each_is_refused_by_its_rule_and_recorded_as_what_it_does()
    {
        var application = "classifier-bypass-" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = await OpenViaGatewayAsync(b => b.ApplicationName = application))
        {
            await using (var prepare = new NpgsqlCommand("prepare p(text) as select $1", connection))
            {
                await prepare.ExecuteNonQueryAsync();
            }

            foreach (var sql in new[] { SetOperationInto, TextStatistics, ExecuteArgument })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
                Assert.Equal("42501", refused.SqlState);
            }

            await using var witness = new NpgsqlCommand("select to_regclass('t_union_launder') is null", connection);
            Assert.Equal(true, await witness.ExecuteScalarAsync());
        }

        var stream = await AuditRecord.EndedSessionOfApplicationAsync(Postgres, application);
        var decided = stream.Where(e => e.Type == "statement_decided").ToList();
        JsonElement Decision(string sql) => decided.Single(e => e.Text("Sql") == sql).Data;
        static string[] List(JsonElement data, string property) => data.ListOf(property).Select(v => v.ToString()).ToArray();

        var into = Decision(SetOperationInto);
        Assert.Equal("masking:laundering", into.GetProperty("Rule").GetString());
        Assert.Contains("Ddl", List(into, "Kinds"));
        Assert.Equal(["t_union_launder"], List(into, "RelationsWritten"));

        var textStatistics = Decision(TextStatistics);
        Assert.Equal("default:sql-in-text", textStatistics.GetProperty("Rule").GetString());
        Assert.Contains("ts_stat", List(textStatistics, "Functions"));

        var execute = Decision(ExecuteArgument);
        Assert.Equal("default:sql-in-text", execute.GetProperty("Rule").GetString());
        Assert.Contains("query_to_xml", List(execute, "Functions"));
        Assert.Contains("Execute", List(execute, "Kinds"));
    }

    [Fact]
    public async Task Raw_frames_cannot_launder_through_a_set_operation()
    {
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");

        await raw.SendAsync(b =>
        {
            b.ParseFrame("(select name, ssn into temp t_raw_launder from customers) union (select 'a', 'b')");
            b.BindFrame().ExecuteFrame().SyncFrame();
        });
        var refused = await raw.ReadUntilReadyAsync();
        await raw.QueryAsync("select to_regclass('pg_temp.t_raw_launder') is null");
        var witness = await raw.ReadUntilReadyAsync();

        var error = RawClient.Error(Assert.Single(refused, m => m.Type == 'E'));
        Assert.Equal("42501", error.SqlState);
        Assert.Contains("masking:laundering", error.Message, StringComparison.Ordinal);
        // One DataRow of one column: int16 count, int32 length, then the value, 't' (no such table).
        Assert.Equal((byte)'t', Assert.Single(witness, m => m.Type == 'D').Payload[^1]);
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task A_function_in_functional_notation_that_keeps_its_argument_launders_it()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand("select name, (card_number::bigint).pg_advisory_lock from customers where id = 2", connection);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        await using var locks = new NpgsqlCommand("select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()", connection);

        Assert.Contains("masking:laundering", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(0L, await locks.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_set_returning_function_in_functional_notation_decides_rows()
    {
        const string sql = "select name, (string_to_array(ssn, '-')).unnest from customers";
        var application = "functional-srf-" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = await OpenViaGatewayAsync(b => b.ApplicationName = application))
        {
            var rows = await RowsAsync(connection, sql);
            Assert.DoesNotContain(rows, r => r[1] is "123" or "45" or "6789");
        }

        var stream = await AuditRecord.EndedSessionOfApplicationAsync(Postgres, application);
        Assert.True(stream.Single(e => e.Type == "statement_decided" && e.Text("Sql") == sql).Data.FlagOf("UsesMaskedColumnInPredicate"));
    }

    [Theory]
    [InlineData("select (c).name, (c).ssn from customers c")]
    [InlineData("select (x).name from (select name, ssn from customers) x")]
    public async Task Composite_field_access_still_returns_rows_masked(string sql)
    {
        var rows = await RowsAsync(sql);

        Assert.Contains(rows, r => r[0] == "Ann");
        Assert.DoesNotContain(rows, r => r.Any(v => Secrets.Any(s => v.Contains(s, StringComparison.Ordinal))));
    }
}
