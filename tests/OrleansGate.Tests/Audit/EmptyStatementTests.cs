using System.Text.Json.Nodes;
using OrleansGate.Demo.Provisioning;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// Text that holds no statement (empty, or only a comment) runs nothing: under a read-only policy
/// (<c>"Kinds": ["Write"]</c>) it is answered with EmptyQueryResponse in both protocols, not refused as
/// a write. pgJDBC's <c>Connection.isValid()</c> is such a statement; refusing it made every pool of a
/// read-only user throw its connections away.
/// </summary>
public sealed class EmptyStatementTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    protected override void Configure(JsonObject configuration) =>
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "main", "Rules": [
              { "Name": "read-only", "Groups": ["analysts"], "Kinds": ["Write"], "Action": "Block" } ] }
            """);

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
            b.Start((byte)'P').WriteCString(string.Empty).WriteCString(sql).WriteInt16(0).Finish();
            b.Start((byte)'B').WriteCString(string.Empty).WriteCString(string.Empty).WriteInt16(0).WriteInt16(0).WriteInt16(0).Finish();
            b.Start((byte)'E').WriteCString(string.Empty).WriteInt32(0).Finish();
            b.Start((byte)'S').Finish();
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
            b.Start((byte)'P').WriteCString(string.Empty).WriteCString("-- nothing\n").WriteInt16(0).Finish();
            b.Start((byte)'P').WriteCString("w").WriteCString("SELECT touch('behind an empty one')").WriteInt16(0).Finish();
            b.Start((byte)'B').WriteCString(string.Empty).WriteCString("w").WriteInt16(0).WriteInt16(0).WriteInt16(0).Finish();
            b.Start((byte)'E').WriteCString(string.Empty).WriteInt32(0).Finish();
            b.Start((byte)'S').Finish();
        });

        Assert.Equal("42501", RawClient.Error(Assert.Single(await raw.ReadUntilReadyAsync(), r => r.Type == 'E')).SqlState);
        Assert.Empty(await TouchesAsync());
    }

    [Fact]
    public async Task PgJdbc_finds_a_read_only_users_connection_valid()
    {
        var clients = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../clients"));
        var result = await ClientTools.RunAsync("java",
            ["-cp", "/usr/share/java/postgresql.jar", Path.Combine(clients, "java", "IsValid.java"),
                $"jdbc:postgresql://127.0.0.1:{Gateway.Port}/main?sslmode=disable", "alice", GatewayConfig.AlicePassword],
            clients, TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(["valid", "valid"], result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
