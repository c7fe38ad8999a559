using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// Three ways past a read-only policy (<c>"Kinds": ["Write"]</c>) found by attacking the gateway,
/// each tried through Npgsql (simple and prepared), psql and raw protocol frames, with a witness
/// upstream that nothing ran: SELECT … INTO in a set operation's leftmost branch (the server
/// creates the table), functional notation (<c>(x).f</c> calls f(x)), and EXECUTE's argument
/// expressions (the server evaluates them whatever the prepared statement is).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReadOnlyBypassTests(PostgresFixture postgres) : ReadOnlyPolicyTestBase(postgres)
{
    public static TheoryData<string> SetOperationIntos => new()
    {
        "select 1 as a into t_into1 union select 2",
        "select value into temp t_into2 from secrets union all select 'x'",
        "(select id into unlogged t_into3 from secrets) union (select 2)",
        "with w as (select id from secrets) select id into t_into4 from w union select 0",
        "explain analyze select 1 as a into t_into5 union select 2",
    };

    public static TheoryData<string> FunctionalNotationCalls => new()
    {
        "select ('by-field'::text).touch",
        "select ((s).value).touch from secrets s where id = 1",
        "select (s).log_secret from secrets s where id = 1",
        "select ('counter'::regclass).nextval",
        "select (12345::bigint).pg_advisory_lock",
        "select (0::oid).lo_create",
    };

    public static TheoryData<string> ExecuteArguments => new()
    {
        "execute p(touch('execute')::text)",
        "execute p(lo_create(0)::text)",
        "execute p(nextval('counter')::text)",
        "execute p(pg_notify('ch', 'hello')::text)",
        "execute p(set_config('role', 'postgres', false))",
        "execute p((select touch('subquery')))",
        "explain analyze execute p(touch('explain')::text)",
        "explain execute p(touch('plain explain')::text)",
    };

    [Theory]
    [MemberData(nameof(SetOperationIntos))]
    [MemberData(nameof(FunctionalNotationCalls))]
    public async Task Npgsql_simple_is_refused_and_nothing_runs(string sql)
    {
        await using var connection = await OpenViaGatewayAsync();

        await AssertRefusedAsync(() => Command(connection, sql).ExecuteNonQueryAsync());
        await AssertNothingRanAsync();
    }

    [Theory]
    [MemberData(nameof(SetOperationIntos))]
    [MemberData(nameof(FunctionalNotationCalls))]
    public async Task Npgsql_prepared_is_refused_and_nothing_runs(string sql)
    {
        await using var connection = await OpenViaGatewayAsync();

        await AssertRefusedAsync(() => ExecutePreparedAsync(connection, sql));
        await AssertNothingRanAsync();
    }

    [Theory]
    [MemberData(nameof(ExecuteArguments))]
    public async Task Npgsql_execute_with_arguments_that_write_is_refused(string sql)
    {
        await using var connection = await OpenViaGatewayAsync();
        await Command(connection, "prepare p(text) as select $1").ExecuteNonQueryAsync();

        await AssertRefusedAsync(() => Command(connection, sql).ExecuteNonQueryAsync());
        await AssertRefusedAsync(() => ExecutePreparedAsync(connection, sql));
        await AssertNothingRanAsync();
    }

    [Theory]
    [MemberData(nameof(SetOperationIntos))]
    [MemberData(nameof(FunctionalNotationCalls))]
    [MemberData(nameof(ExecuteArguments))]
    public async Task Psql_is_refused_and_nothing_runs(string sql)
    {
        var result = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"),
            ["-v", "ON_ERROR_STOP=1", "-c", "prepare p(text) as select $1", "-c", sql]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("blocked by rule", result.StandardError, StringComparison.Ordinal);
        await AssertNothingRanAsync();
    }

    [Theory]
    [InlineData("select 1 as a into t_raw union select 2")]
    [InlineData("select ('raw frames'::text).touch")]
    [InlineData("execute p(touch('raw frames')::text)")]
    public async Task Raw_parse_bind_execute_is_refused_and_nothing_runs(string sql)
    {
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");
        await raw.QueryAsync("prepare p(text) as select $1");
        await raw.ReadUntilReadyAsync();

        await raw.SendAsync(b =>
        {
            b.ParseFrame(sql, statement: "s1");
            b.BindFrame(statement: "s1");
            b.ExecuteFrame();
            b.SyncFrame();
        });
        var replies = await raw.ReadUntilReadyAsync();

        Assert.Equal("42501", RawClient.Error(Assert.Single(replies, m => m.Type == 'E')).SqlState);
        Assert.DoesNotContain(replies, m => m.Type is 'D' or 'C');
        await AssertNothingRanAsync();
    }

    [Theory]
    [InlineData("select (s).value, (s).id from secrets s")]
    [InlineData("select (c).value from (select * from secrets) c where (c).id = 1")]
    [InlineData("select (row(1, 'x')::secrets).value")]
    [InlineData("select s.value from secrets s union select 'x'")]
    [InlineData("prepare q(int) as select $1; execute q(length('abc')); deallocate q")]
    public async Task Field_access_set_operations_and_plain_arguments_still_run(string sql)
    {
        var result = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"), ["-c", sql]);

        Assert.True(result.ExitCode == 0, result.StandardError);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql) => new(sql, connection);

    /// <summary>The statement as Npgsql runs it prepared: Parse and Describe first, then Bind and Execute.</summary>
    private static async Task ExecutePreparedAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = Command(connection, sql);
        await command.PrepareAsync();
        await command.ExecuteNonQueryAsync();
    }

    private static async Task AssertRefusedAsync(Func<Task> run)
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(run);
        Assert.Equal("42501", refused.SqlState);
    }

    /// <summary>
    /// No touch, no table made by INTO (temporary ones of open sessions included), no sequence
    /// step, large object or advisory lock in this database (pg_locks shows every database's).
    /// </summary>
    private async Task AssertNothingRanAsync()
    {
        Assert.Empty(await TouchesAsync());
        await using var direct = await OpenDirectAsync();
        await using var witness = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM pg_class WHERE relname LIKE 't\_into%' OR relname = 't_raw')
                 + (SELECT count(*) FROM pg_largeobject_metadata)
                 + (SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                    WHERE l.locktype = 'advisory' AND d.datname = current_database())
                 + (SELECT CASE WHEN is_called THEN 1 ELSE 0 END FROM counter)
            """, direct);
        Assert.Equal(0L, Convert.ToInt64(await witness.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }
}
