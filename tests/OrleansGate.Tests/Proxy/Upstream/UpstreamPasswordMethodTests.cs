using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Upstream;

/// <summary>
/// The gateway logs in upstream with whichever password exchange the server asks for: the
/// fixture's pg_hba rules make og_upstream use SCRAM-SHA-256, og_md5 an MD5 challenge and
/// og_cleartext a cleartext password. The client only ever sees its own login.
/// </summary>
public sealed class UpstreamPasswordMethodTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    [Theory]
    [InlineData("main", PostgresFixture.ScramUser)]
    [InlineData("md5", PostgresFixture.Md5User)]
    [InlineData("cleartext", PostgresFixture.CleartextUser)]
    public async Task Npgsql_runs_a_query_on_the_target_as_its_upstream_role(string target, string upstreamRole)
    {
        await using var connection = new NpgsqlConnection(Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, target));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_user, 40 + 2", connection);
        await using var reader = await command.ExecuteReaderAsync();

        Assert.True(await reader.ReadAsync());
        // docs/security.md: current_user still names the upstream role (query data, not a credential).
        Assert.Equal(upstreamRole, reader.GetString(0));
        Assert.Equal(42, reader.GetInt32(1));
    }

    [Theory]
    [InlineData("main")]
    [InlineData("md5")]
    [InlineData("cleartext")]
    public async Task A_raw_session_on_the_target_never_receives_an_upstream_credential(string target)
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);
        var login = await client.LoginAsync("alice", GatewayConfig.AlicePassword, target);
        Assert.Equal('Z', login[^1].Type);
        await client.QueryAsync("SELECT 'answer-' || 42, current_setting('session_authorization') = current_user");
        var result = await client.ReadUntilReadyAsync();

        Assert.DoesNotContain(result, m => m.Type == 'E');
        Assert.True(RawClient.Contains(client.Received, "answer-42"));
        UpstreamSecrets.AssertNoneIn(client.Received, Gateway.Configuration);
    }
}
