using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// <c>{ "Kinds": ["Write"], "Action": "Block" }</c>, how a policy says read-only: every statement
/// not proven read-only is refused — data and schema changes, locks, maintenance, NOTIFY, and calls
/// of functions that may change something (user functions the catalog says are volatile, by name
/// or in functional notation, sequences, advisory locks) — while reads, session settings,
/// transactions, cursors and prepared reads go through. Nothing refused leaves a trace on the server.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class WriteKindTests(PostgresFixture postgres) : ReadOnlyPolicyTestBase(postgres)
{
    protected override string SetUpDatabaseSql => base.SetUpDatabaseSql + """

        CREATE FUNCTION price_of(n int) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT n * 1.5 $$;
        CREATE PROCEDURE touch_all() LANGUAGE sql AS $$ INSERT INTO touches (note) VALUES ('procedure') $$;
        """;

    public static TheoryData<string> Writes => new()
    {
        "SELECT touch('by name')",
        "SELECT txid_current()",
        "SELECT pg_catalog.pg_current_xact_id()",
        "SELECT s.log_secret FROM secrets s",
        "SELECT nextval('counter')",
        "SELECT setval('counter', 100)",
        "SELECT pg_advisory_lock(42)",
        "SELECT pg_notify('chan', 'x')",
        "NOTIFY chan",
        "SELECT * FROM secrets FOR UPDATE",
        "SELECT * FROM (SELECT * FROM secrets FOR SHARE) s",
        "LOCK TABLE secrets IN ACCESS EXCLUSIVE MODE",
        "VACUUM secrets",
        "ANALYZE secrets",
        "REINDEX TABLE secrets",
        "CHECKPOINT",
        "CALL touch_all()",
        "INSERT INTO touches (note) VALUES ('insert')",
        "UPDATE secrets SET value = 'x'",
        "DELETE FROM secrets",
        "TRUNCATE touches",
        "MERGE INTO secrets s USING (SELECT 1 AS id) n ON s.id = n.id WHEN MATCHED THEN DELETE",
        "WITH d AS (DELETE FROM secrets RETURNING id) SELECT count(*) FROM d",
        "EXPLAIN ANALYZE DELETE FROM secrets",
        "COPY (DELETE FROM secrets RETURNING *) TO STDOUT",
        "CREATE TEMP TABLE scratch (a int)",
        "SELECT * INTO TEMP scratch2 FROM secrets",
        "PREPARE p AS SELECT touch('prepared')",
        "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM secrets FOR UPDATE",
        "SELECT no_such_function(1)",
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task A_statement_not_proven_read_only_is_refused(string sql)
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand(sql, connection);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal("42501", refused.SqlState);
        Assert.Contains("read-only", refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_writes_leave_no_trace()
    {
        await using (var connection = await OpenViaGatewayAsync())
        {
            foreach (var sql in new[] { "SELECT touch('x')", "SELECT s.log_secret FROM secrets s", "SELECT nextval('counter')", "CALL touch_all()" })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            }
        }

        Assert.Empty(await TouchesAsync());
        await using var direct = await OpenDirectAsync();
        await using var sequence = new NpgsqlCommand("SELECT is_called FROM counter", direct);
        Assert.Equal(false, await sequence.ExecuteScalarAsync());
    }

    public static TheoryData<string> Reads => new()
    {
        "SELECT count(*), now(), random(), pg_sleep(0), clock_timestamp() FROM secrets",
        "SELECT price_of(2), upper(value) FROM secrets",
        "SELECT current_setting('work_mem'), set_config('search_path', 'public', false)",
        "SHOW work_mem",
        "SET work_mem = '8MB'",
        "RESET work_mem",
        "BEGIN READ ONLY; SELECT 1; COMMIT",
        "EXPLAIN SELECT * FROM secrets",
        "EXPLAIN ANALYZE SELECT count(*) FROM secrets",
        "PREPARE q(int) AS SELECT value FROM secrets WHERE id = $1; EXECUTE q(1); DEALLOCATE q",
        "BEGIN; DECLARE c CURSOR FOR SELECT * FROM secrets; FETCH 2 FROM c; CLOSE c; COMMIT",
        "LISTEN chan; UNLISTEN chan",
        "DISCARD ALL",
        "WITH t AS (SELECT id FROM secrets) SELECT count(*) FROM t",
        "SELECT s.value FROM secrets s WHERE s.id IN (SELECT id FROM secrets ORDER BY id LIMIT 2)",
    };

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task A_read_only_statement_runs(string sql)
    {
        var result = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"), ["-c", sql]);

        Assert.True(result.ExitCode == 0, result.StandardError);
    }

    [Fact]
    public async Task Copy_to_the_client_is_a_read()
    {
        await using var connection = await OpenViaGatewayAsync();
        using var export = await connection.BeginTextExportAsync("COPY secrets TO STDOUT");

        Assert.StartsWith("1\tsecret 1", await export.ReadLineAsync(), StringComparison.Ordinal);
    }
}
