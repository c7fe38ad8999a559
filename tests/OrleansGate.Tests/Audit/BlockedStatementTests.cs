using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// A blocked statement never reaches upstream, whatever its spelling or its way in; the client gets
/// 42501 naming the rule and its session goes on. Each case would delete the secrets or touch the
/// witness table if any of it ran.
/// </summary>
public sealed class BlockedStatementTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    public static TheoryData<string, string> SimpleQueries => new()
    {
        { "DELETE FROM secrets", "analysts-read-only" },
        { "delete from secrets", "analysts-read-only" },
        { "DeLeTe FrOm SeCrEtS", "analysts-read-only" },
        { "/* SELECT 1 */ DELETE FROM secrets", "analysts-read-only" },
        { "-- just a select\nDELETE FROM secrets", "analysts-read-only" },
        { "WITH gone AS (DELETE FROM secrets RETURNING *) SELECT count(*) FROM gone", "analysts-read-only" },
        { "DELETE FROM U&\"secr\\0065ts\"", "analysts-read-only" },
        { "SELECT $$ harmless; $$; DELETE FROM secrets", "analysts-read-only" },
        { "SELECT touch('batch-before'); DELETE FROM secrets; SELECT touch('batch-after')", "analysts-read-only" },
        { "SELECT touch('batch-read'); SELECT pg_read_file('/etc/passwd')", "default:server-file-functions" },
        { "EXPLAIN ANALYZE DELETE FROM secrets", "analysts-read-only" },
        { "PREPARE wipe AS DELETE FROM secrets", "analysts-read-only" },
        { "CREATE TABLE loot AS SELECT * FROM secrets", "analysts-read-only" },
        { "SELECT * INTO loot FROM secrets", "analysts-read-only" },
        { "DO $$ BEGIN DELETE FROM secrets; END $$", "default:do-block" },
        { "COPY secrets TO PROGRAM 'cat > /tmp/loot'", "default:copy-program" },
        { "SET ROLE postgres", "default:role-switch" },
        { "SELECT set_config('role', 'postgres', false), touch('set-config')", "default:role-switch" },
        { "SELECT touch('unparseable'); DELET FROM secrets", "default:unparseable" },
    };

    [Theory]
    [MemberData(nameof(SimpleQueries))]
    public async Task A_blocked_simple_query_runs_nothing_and_names_its_rule(string sql, string rule)
    {
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");

        await raw.QueryAsync(sql);
        var replies = await raw.ReadUntilReadyAsync();

        var error = RawClient.Error(Assert.Single(replies, r => r.Type == 'E'));
        // What the grammar does not accept is a syntax error (42601), as the server says it; the rest a denial.
        Assert.Equal(rule == "default:unparseable" ? "42601" : "42501", error.SqlState);
        Assert.Contains($"'{rule}'", error.Message, StringComparison.Ordinal);
        Assert.Equal('I', (char)replies[^1].Payload[0]);
        Assert.Equal(10, await SecretsLeftAsync());
        Assert.Empty(await TouchesAsync());

        await raw.QueryAsync("SELECT touch('still-usable')");
        Assert.DoesNotContain(await raw.ReadUntilReadyAsync(), r => r.Type == 'E');
        Assert.Equal(["still-usable"], await TouchesAsync());
        await ExecuteDirectAsync("TRUNCATE touches");
    }

    [Fact]
    public async Task A_blocked_parameterised_statement_is_refused_in_the_extended_protocol()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand("DELETE FROM secrets WHERE id > @id", connection);
        command.Parameters.AddWithValue("id", 0);

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal("42501", error.SqlState);
        Assert.Contains("'analysts-read-only'", error.MessageText, StringComparison.Ordinal);
        Assert.Equal(10, await SecretsLeftAsync());
        await using var after = new NpgsqlCommand("SELECT count(*) FROM secrets", connection);
        Assert.Equal(10L, await after.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_pipelined_batch_with_one_blocked_statement_runs_none_of_it()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT touch('pipelined-1')"),
                new NpgsqlBatchCommand("DELETE FROM secrets"),
                new NpgsqlBatchCommand("SELECT touch('pipelined-2')"),
            },
        };

        var error = await Assert.ThrowsAsync<PostgresException>(() => batch.ExecuteNonQueryAsync());

        Assert.Equal("42501", error.SqlState);
        Assert.Empty(await TouchesAsync());
        Assert.Equal(10, await SecretsLeftAsync());
    }

    [Fact]
    public async Task Preparing_a_blocked_statement_is_refused_and_it_cannot_be_executed_later()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand("DELETE FROM secrets WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = 1 });

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.PrepareAsync());

        Assert.Equal("42501", error.SqlState);
        Assert.Equal(10, await SecretsLeftAsync());
    }

    [Fact]
    public async Task A_blocked_statement_inside_a_transaction_leaves_the_transaction_as_the_server_has_it()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var touch = new NpgsqlCommand("SELECT touch('in-transaction')", connection, transaction))
        {
            await touch.ExecuteScalarAsync();
        }

        await using (var delete = new NpgsqlCommand("DELETE FROM secrets", connection, transaction))
        {
            Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => delete.ExecuteNonQueryAsync())).SqlState);
        }

        // Nothing reached the server, so its transaction is still open and healthy.
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM touches", connection, transaction))
        {
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }

        await transaction.RollbackAsync();
        Assert.Empty(await TouchesAsync());
        Assert.Equal(10, await SecretsLeftAsync());
    }

    [Fact]
    public async Task An_approver_is_not_bound_by_the_analysts_rule()
    {
        await using var connection = new NpgsqlConnection(Gateway.ConnectionString("bob", GatewayConfig.BobPassword, "main"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("UPDATE secrets SET value = value WHERE id = 1", connection);

        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
