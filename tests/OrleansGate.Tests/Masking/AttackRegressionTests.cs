using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// Ways past masking found by attacking the gateway from outside its tests, one test each, named
/// after what broke: EXPLAIN ANALYZE analysed as nothing, EXPLAIN ANALYZE DECLARE taken for a
/// DECLARE, protocol names the server truncates, a WITH HOLD cursor's errors at COMMIT, the row a
/// constraint error quotes, other sessions' statements through pg_stat_get_backend_activity.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class AttackRegressionTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    [Theory]
    [InlineData("EXPLAIN ANALYZE SELECT (ssn || ' ' || email || ' ' || card_number)::int FROM customers WHERE id = 1")]
    [InlineData("EXPLAIN (ANALYZE, VERBOSE) SELECT (ssn || email)::int FROM customers AS x(a, b, ssn, email) WHERE a = 2")]
    [InlineData("BEGIN; DECLARE c CURSOR WITH HOLD FOR SELECT (ssn || ' ' || email || ' ' || card_number)::int FROM customers WHERE id = 1; COMMIT")]
    [InlineData("DECLARE c CURSOR WITH HOLD FOR SELECT (ssn || ' ' || card_number)::int FROM customers WHERE id = 2; SELECT 1")]
    [InlineData("UPDATE customers SET name = NULL WHERE id = 1")]
    public async Task An_error_that_could_quote_a_masked_value_is_withheld(string sql)
    {
        await using var raw = await LoginAsync();

        await raw.QueryAsync(sql);
        var replies = await raw.ReadUntilReadyAsync();

        Assert.Contains(replies, m => m.Type == 'E');
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
        Assert.Contains("was withheld", RawClient.Error(replies.First(m => m.Type == 'E')).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hold_cursors_error_at_the_end_of_an_extended_batch_is_withheld()
    {
        await using var raw = await LoginAsync();

        await raw.SendAsync(b =>
        {
            b.Start((byte)'P').WriteCString(string.Empty)
                .WriteCString("DECLARE h CURSOR WITH HOLD FOR SELECT (ssn || card_number)::int FROM customers WHERE id = 3").WriteInt16(0).Finish();
            b.Start((byte)'B').WriteCString(string.Empty).WriteCString(string.Empty).WriteInt16(0).WriteInt16(0).WriteInt16(0).Finish();
            b.Start((byte)'E').WriteCString(string.Empty).WriteInt32(0).Finish();
            b.Start((byte)'S').Finish();
        });
        var replies = await raw.ReadUntilReadyAsync();

        Assert.Contains(replies, m => m.Type == 'E');
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task Explain_analyze_cannot_launder_into_a_setting()
    {
        await using var raw = await LoginAsync();

        await raw.QueryAsync("EXPLAIN ANALYZE SELECT set_config('og.dump', string_agg(ssn || email || card_number, ';'), false) FROM customers");
        var refused = await raw.ReadUntilReadyAsync();
        await raw.QueryAsync("SELECT current_setting('og.dump', true), 'Ann'");
        await raw.ReadUntilReadyAsync();

        Assert.Equal("42501", RawClient.Error(Assert.Single(refused, m => m.Type == 'E')).SqlState);
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task Explain_analyze_declare_makes_no_cursor()
    {
        await using var raw = await LoginAsync();

        await raw.QueryAsync("BEGIN");
        await raw.ReadUntilReadyAsync();
        await raw.QueryAsync("DECLARE c CURSOR FOR SELECT ssn || ' ' || email || ' ' || card_number AS v FROM customers ORDER BY id");
        await raw.ReadUntilReadyAsync();
        await raw.QueryAsync("EXPLAIN ANALYZE DECLARE c CURSOR FOR SELECT name || '' AS v FROM customers");
        await raw.ReadUntilReadyAsync();
        await raw.QueryAsync("FETCH 3 FROM c");
        var fetched = await raw.ReadUntilReadyAsync();
        await raw.QueryAsync("ROLLBACK");
        await raw.ReadUntilReadyAsync();

        Assert.Equal(3, fetched.Count(m => m.Type == 'D'));
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task Protocol_names_the_server_would_truncate_are_refused()
    {
        await using var raw = await LoginAsync();
        var stem = new string('a', 63);

        await raw.SendAsync(b =>
        {
            b.Start((byte)'P').WriteCString(stem + "zzz").WriteCString("SELECT name || '' AS s FROM customers").WriteInt16(0).Finish();
            b.Start((byte)'S').Finish();
        });
        var parse = await raw.ReadUntilReadyAsync();
        await raw.SendAsync(b =>
        {
            b.Start((byte)'P').WriteCString(stem).WriteCString("SELECT ssn || '' AS s FROM customers").WriteInt16(0).Finish();
            b.Start((byte)'B').WriteCString(stem + "portal").WriteCString(stem).WriteInt16(0).WriteInt16(0).WriteInt16(0).Finish();
            b.Start((byte)'S').Finish();
        });
        var bind = await raw.ReadUntilReadyAsync();

        Assert.Equal("42622", RawClient.Error(Assert.Single(parse, m => m.Type == 'E')).SqlState);
        Assert.Equal("42622", RawClient.Error(Assert.Single(bind, m => m.Type == 'E')).SqlState);
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task Another_sessions_statement_text_is_not_read_through_backend_activity()
    {
        await using var raw = await LoginAsync();

        await raw.QueryAsync("SELECT pg_stat_get_backend_activity(s) FROM pg_stat_get_backend_idset() AS s");
        var replies = await raw.ReadUntilReadyAsync();

        Assert.Equal("42501", RawClient.Error(Assert.Single(replies, m => m.Type == 'E')).SqlState);
    }

    [Fact]
    public async Task A_describe_of_an_unknown_kind_is_an_error_not_a_disconnect()
    {
        await using var raw = await LoginAsync();

        await raw.SendAsync(b =>
        {
            b.Start((byte)'D').WriteByte((byte)'X').WriteCString("whatever").Finish();
            b.Start((byte)'S').Finish();
        });
        var replies = await raw.ReadUntilReadyAsync();
        await raw.QueryAsync("SELECT 'still here'");
        var after = await raw.ReadUntilReadyAsync();

        Assert.Equal("08P01", RawClient.Error(Assert.Single(replies, m => m.Type == 'E')).SqlState);
        Assert.Single(after, m => m.Type == 'D');
    }

    [Fact]
    public async Task A_cursor_ends_with_its_transaction_even_when_it_is_chained()
    {
        await using var raw = await LoginAsync();

        await raw.QueryAsync("BEGIN; DECLARE c CURSOR FOR SELECT name FROM customers; COMMIT AND CHAIN");
        await raw.ReadUntilReadyAsync();
        await raw.QueryAsync("FETCH 1 FROM c");
        var fetched = await raw.ReadUntilReadyAsync();
        await raw.QueryAsync("ROLLBACK");
        await raw.ReadUntilReadyAsync();

        var error = RawClient.Error(Assert.Single(fetched, m => m.Type == 'E'));
        Assert.Equal("34000", error.SqlState);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    private async Task<RawClient> LoginAsync()
    {
        var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");
        return raw;
    }
}
