using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// The gateway and the server must read every statement's text the same way. A statement can change
/// how the server reads the next one — standard_conforming_strings off makes a backslash escape a
/// quote — through SET, set_config, UPDATE pg_settings, or any function, view or trigger that calls
/// set_config; ParameterStatus tells only at ReadyForQuery, and not at all if the batch then rolls
/// back. So those paths are blocked where they can be seen, and a statement whose text could read
/// differently (backslashes, non-ASCII) is refused while statements before it are unanswered.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class ParserSyncTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    // Read with standard_conforming_strings on (the gateway): a constant, the rest a comment.
    // Read with it off (the server, after flip()): a constant, then ssn of every customer.
    private const string TwoFaced = "SELECT '\\' --', ssn || '' AS leak FROM customers --'";

    protected override string SetUpDatabaseSql => base.SetUpDatabaseSql + """

        CREATE FUNCTION flip() RETURNS int LANGUAGE plpgsql AS
          $$ BEGIN PERFORM set_config('standard_conforming_strings', 'off', false); RETURN 1; END $$;
        """;

    [Fact]
    public async Task The_two_faced_statement_reads_a_secret_once_the_setting_is_off()
    {
        // Proof that the attack is real: on a direct connection, after flip(), the text selects ssn.
        var direct = $"host={Postgres.Server.Host} port={Postgres.Server.Port} dbname={Database} user={PostgresFixture.ScramUser} " +
                     $"password={Postgres.UpstreamPassword} sslmode=disable";
        var result = await ClientTools.PsqlAsync(direct, ["-c", "SELECT flip()", "-c", TwoFaced]);

        Assert.Contains("123-45-6789", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_one_extended_batch_the_text_after_an_execute_is_refused()
    {
        await using var raw = await LoginAsync();

        await raw.SendAsync(b =>
        {
            Run(b, "SELECT flip()");
            Run(b, TwoFaced);
            b.Start((byte)'S').Finish();
        });
        var replies = await raw.ReadUntilReadyAsync();

        var error = RawClient.Error(Assert.Single(replies, m => m.Type == 'E'));
        Assert.Equal("55000", error.SqlState);
        Assert.DoesNotContain(replies, m => m.Type == 'D');
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task Pipelined_queries_are_refused_while_an_earlier_one_is_unanswered()
    {
        var application = "sync-" + Guid.NewGuid().ToString("N")[..8];
        await using var raw = await LoginAsync(application);

        await raw.SendAsync(b =>
        {
            b.Start((byte)'Q').WriteCString("SELECT flip(), pg_sleep(0.2)").Finish();
            b.Start((byte)'Q').WriteCString(TwoFaced).Finish();
        });
        var replies = await raw.ReadToEndAsync(TimeSpan.FromSeconds(10));

        // The flip shows at its ReadyForQuery: the gateway then ends the session rather than read
        // on under a setting it cannot parse with. The two-faced query was refused before that.
        Assert.Contains(replies, m => m.Type == 'E');
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
        var session = await AuditRecord.SessionOfApplicationAsync(Postgres, application);
        var received = Assert.Single(session, e => e.IsReceived && e.Text("Sql") == TwoFaced);
        var decided = Assert.Single(session, e => e.IsDecision && e.Sequence == received.Sequence);
        Assert.Equal("parser:unsettled", decided.Text("Rule"));
    }

    [Theory]
    [InlineData("UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'")]
    [InlineData("SELECT set_config('standard_conforming_strings', 'off', false)")]
    [InlineData("SELECT set_config('standard_conforming_strings', lower('OFF'), false)")]
    [InlineData("SELECT set_config(lower('STANDARD_CONFORMING_STRINGS'), 'off', false)")]
    [InlineData("SET backslash_quote = on")]
    [InlineData("SELECT set_config('client_encoding', 'SJIS', false)")]
    public async Task Every_visible_path_to_the_settings_is_blocked(string sql)
    {
        await using var raw = await LoginAsync();

        await raw.QueryAsync(sql);
        var replies = await raw.ReadUntilReadyAsync();

        Assert.Equal("42501", RawClient.Error(Assert.Single(replies, m => m.Type == 'E')).SqlState);
    }

    [Fact]
    public async Task Backslashes_and_non_ascii_text_are_read_as_usual_when_nothing_is_unanswered()
    {
        await using var raw = await LoginAsync();

        await raw.QueryAsync("SELECT 'C:\\temp' AS path, 'Zoë' AS who, name FROM customers ORDER BY id");
        var simple = await raw.ReadUntilReadyAsync();
        await raw.SendAsync(b =>
        {
            Run(b, "SELECT 'C:\\temp' AS path, 'Zoë' AS who, name FROM customers ORDER BY id");
            b.Start((byte)'S').Finish();
        });
        var extended = await raw.ReadUntilReadyAsync();

        Assert.Equal(3, simple.Count(m => m.Type == 'D'));
        Assert.Equal(3, extended.Count(m => m.Type == 'D'));
        Assert.True(RawClient.Contains(raw.Received, "C:\\temp") && RawClient.Contains(raw.Received, "Zoë"));
    }

    [Fact]
    public async Task Non_ascii_text_after_an_execute_in_the_same_batch_is_refused()
    {
        await using var raw = await LoginAsync();

        await raw.SendAsync(b =>
        {
            Run(b, "SELECT 1");
            Run(b, "SELECT 'Zoë'");
            b.Start((byte)'S').Finish();
        });
        var replies = await raw.ReadUntilReadyAsync();

        Assert.Equal("55000", RawClient.Error(Assert.Single(replies, m => m.Type == 'E')).SqlState);
    }

    private static void Run(MessageBuilder b, string sql)
    {
        b.Start((byte)'P').WriteCString(string.Empty).WriteCString(sql).WriteInt16(0).Finish();
        b.Start((byte)'B').WriteCString(string.Empty).WriteCString(string.Empty).WriteInt16(0).WriteInt16(0).WriteInt16(0).Finish();
        b.Start((byte)'E').WriteCString(string.Empty).WriteInt32(0).Finish();
    }

    private async Task<RawClient> LoginAsync(string? application = null)
    {
        var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main",
            application is null ? null : [new KeyValuePair<string, string>("application_name", application)]);
        return raw;
    }
}
