using Npgsql;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Proxy.Sql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// One statement nested deeply enough used to end the gateway's process (a stack overflow in
/// libpg_query, every session dropped without an ErrorResponse). Now it is refused like any other
/// statement — 54001 (statement_too_complex, as PostgreSQL says it) by default:too-complex, or
/// 42601 where the grammar itself gives up — recorded, and the session and the gateway go on.
/// </summary>
public sealed class TooComplexStatementTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    public static TheoryData<string, int, string> Statements => new()
    {
        { "1+1+… 100,000 terms", 100_000, "54001" },
        { "1+1+… 1,000,000 terms (refused by its length)", 1_000_000, "54001" },
        { "1+1+… 3,000 terms (parsed inline)", 3_000, "54001" },
        { "2,000 nested subqueries", 2_000, "54001" },
        { "3,000 nested function calls", 3_000, "54001" },
        { "1,400 nested ARRAY[]", 1_400, "54001" },
        { "100,000 nested parentheses", 100_000, "42601" },
    };

    private async Task<RawClient> LoginAsync(string application)
    {
        var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main", [new KeyValuePair<string, string>("application_name", application)]);
        return raw;
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public async Task A_deep_simple_query_is_refused_and_recorded_and_the_session_goes_on(string name, int n, string sqlState)
    {
        var application = "deep-q-" + Token();
        var sql = DeepStatementTests.Statement(name, n);
        await using var raw = await LoginAsync(application);

        await raw.QueryAsync(sql);
        var replies = await raw.ReadUntilReadyAsync(TimeSpan.FromSeconds(60));

        await AssertRefusedAsync(raw, replies, application, sql, sqlState);
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public async Task A_deep_parse_message_is_refused_and_recorded_and_the_session_goes_on(string name, int n, string sqlState)
    {
        var application = "deep-p-" + Token();
        var sql = DeepStatementTests.Statement(name, n);
        await using var raw = await LoginAsync(application);

        await raw.SendAsync(b =>
        {
            b.ParseFrame(sql).BindFrame().ExecuteFrame().SyncFrame();
        });
        var replies = await raw.ReadUntilReadyAsync(TimeSpan.FromSeconds(60));

        await AssertRefusedAsync(raw, replies, application, sql, sqlState);
    }

    private async Task AssertRefusedAsync(RawClient raw, List<(char Type, byte[] Payload)> replies, string application, string sql, string sqlState)
    {
        var error = RawClient.Error(Assert.Single(replies, r => r.Type == 'E'));
        var rule = sqlState == "54001" ? "default:too-complex" : "default:unparseable";
        Assert.Equal(sqlState, error.SqlState);
        Assert.Contains($"'{rule}'", error.Message, StringComparison.Ordinal);
        Assert.Equal('I', (char)replies[^1].Payload[0]);

        // The session goes on.
        await raw.QueryAsync("SELECT touch('after-deep')");
        Assert.DoesNotContain(await raw.ReadUntilReadyAsync(), r => r.Type == 'E');

        // The refusal is recorded with its rule.
        var session = await AuditRecord.SessionOfApplicationAsync(Postgres, application);
        var received = Assert.Single(session, e => e.IsReceived && e.Text("Sql") == sql);
        var decided = Assert.Single(session, e => e.IsDecision && e.Sequence == received.Sequence);
        Assert.Equal("Block", decided.Text("Action"));
        Assert.Equal(rule, decided.Text("Rule"));

        // And so does the gateway, for another session.
        await using var other = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM secrets", other);
        Assert.Equal(10L, await command.ExecuteScalarAsync());
        await ExecuteDirectAsync("TRUNCATE touches");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Npgsql_gets_54001_for_100000_terms_as_from_postgresql_and_the_connection_goes_on(bool prepare)
    {
        var sql = DeepStatementTests.Statement("1+1", 100_000);
        await using var connection = await OpenViaGatewayAsync();

        await using var command = new NpgsqlCommand(sql, connection);
        var error = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            if (prepare)
            {
                await command.PrepareAsync();
            }

            await command.ExecuteScalarAsync();
        });

        Assert.Equal("54001", error.SqlState);
        Assert.Contains("'default:too-complex'", error.MessageText, StringComparison.Ordinal);
        await using var after = new NpgsqlCommand("SELECT count(*) FROM secrets", connection);
        Assert.Equal(10L, await after.ExecuteScalarAsync());

        // PostgreSQL itself answers the same.
        await using var direct = await OpenDirectAsync();
        await using var directCommand = new NpgsqlCommand(sql, direct);
        Assert.Equal("54001", (await Assert.ThrowsAsync<PostgresException>(() => directCommand.ExecuteScalarAsync())).SqlState);
    }
}
