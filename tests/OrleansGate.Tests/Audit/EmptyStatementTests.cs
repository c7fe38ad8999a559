using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// Text that holds no statement (empty, or only a comment) runs nothing: under a read-only policy
/// (<c>"Kinds": ["Write"]</c>) it is answered with EmptyQueryResponse in both protocols, not refused as
/// a write. pgJDBC's <c>Connection.isValid()</c> is such a statement; refusing it made every pool of a
/// read-only user throw its connections away.
/// </summary>
public sealed class EmptyStatementTests(PostgresFixture postgres) : ReadOnlyPolicyTestBase(postgres)
{
    [Theory]
    [InlineData("")]
    [InlineData("-- only a comment")]
    [InlineData("/* a comment */  ")]
    public async Task An_empty_statement_through_the_extended_protocol_answers_EmptyQueryResponse(string sql)
    {
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");

        await raw.SendAsync(b =>
        {
            b.ParseFrame(sql);
            b.BindFrame();
            b.ExecuteFrame();
            b.SyncFrame();
        });
        var replies = await raw.ReadUntilReadyAsync();

        Assert.Equal(['1', '2', 'I', 'Z'], replies.Select(r => r.Type));
        await raw.QueryAsync(sql);
        Assert.Equal(['I', 'Z'], (await raw.ReadUntilReadyAsync()).Select(r => r.Type));
    }

    [Fact]
    public async Task An_empty_statement_does_not_open_a_way_for_a_write_behind_it()
    {
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");

        await raw.SendAsync(b =>
        {
            b.ParseFrame("-- nothing\n");
            b.ParseFrame("SELECT touch('behind an empty one')", statement: "w");
            b.BindFrame(statement: "w");
            b.ExecuteFrame();
            b.SyncFrame();
        });

        Assert.Equal("42501", RawClient.Error(Assert.Single(await raw.ReadUntilReadyAsync(), r => r.Type == 'E')).SqlState);
        Assert.Empty(await TouchesAsync());
    }

    [Fact]
    public async Task PgJdbc_finds_a_read_only_users_connection_valid()
    {
        var result = await RunJdbcClientAsync("IsValid.java");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(["valid", "valid"], result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
