using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Upstream;

/// <summary>
/// Server errors and notices that quote the upstream role reach the client with the name
/// replaced, whichever password method the target's role uses.
/// </summary>
public sealed class UpstreamRoleInMessagesTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    [Theory]
    [InlineData("main")]
    [InlineData("md5")]
    [InlineData("cleartext")]
    public async Task An_error_quoting_the_upstream_role_arrives_scrubbed(string target)
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);
        await client.LoginAsync("alice", GatewayConfig.AlicePassword, target);

        // The server answers 'invalid input syntax for type integer: "<role>"'.
        await client.QueryAsync("SELECT current_user::text::int");
        var result = await client.ReadUntilReadyAsync();

        var error = RawClient.Error(Assert.Single(result, m => m.Type == 'E'));
        Assert.Equal("22P02", error.SqlState);
        Assert.Equal("invalid input syntax for type integer: \"[gateway credential]\"", error.Message);
        UpstreamSecrets.AssertNoneIn(client.Received, Gateway.Configuration);
    }

    [Fact]
    public async Task A_notice_quoting_the_upstream_role_arrives_scrubbed()
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);
        await client.LoginAsync("alice", GatewayConfig.AlicePassword, "md5");

        // DO blocks and function bodies are refused through the gateway; the function is made directly.
        await ExecuteDirectAsync("CREATE OR REPLACE FUNCTION tell(t text) RETURNS void LANGUAGE plpgsql " +
                                 "AS $$ BEGIN RAISE NOTICE 'running as %', t; END $$");
        await client.QueryAsync("SELECT tell(current_user::text)");
        var result = await client.ReadUntilReadyAsync();

        var notice = RawClient.Error(Assert.Single(result, m => m.Type == 'N'));
        Assert.Equal("running as [gateway credential]", notice.Message);
        UpstreamSecrets.AssertNoneIn(client.Received, Gateway.Configuration);
    }
}
