using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Upstream;

/// <summary>
/// The server must read SQL as the gateway parses it: UTF-8 and standard-conforming strings,
/// whatever defaults the database or role carry, and a session whose server switches away ends.
/// </summary>
public sealed class SqlReadingSettingsTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    [Fact]
    public async Task Database_defaults_cannot_change_how_the_server_reads_sql_through_the_gateway()
    {
        await using (var admin = await Postgres.OpenAdminAsync())
        {
            await PostgresFixture.ExecuteAsync(admin,
                $"ALTER DATABASE \"{Database}\" SET standard_conforming_strings = off; ALTER DATABASE \"{Database}\" SET client_encoding = 'LATIN1'");
        }

        try
        {
            await using var connection = await OpenViaGatewayAsync();
            await using var command = new NpgsqlCommand("SELECT current_setting('standard_conforming_strings'), current_setting('client_encoding')", connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("on", reader.GetString(0));
            Assert.Equal("UTF8", reader.GetString(1));
        }
        finally
        {
            await using var admin = await Postgres.OpenAdminAsync();
            await PostgresFixture.ExecuteAsync(admin, $"ALTER DATABASE \"{Database}\" RESET ALL");
        }
    }

    [Fact]
    public async Task A_function_that_switches_string_syntax_cannot_be_made_through_the_gateway()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var create = new NpgsqlCommand(
            "CREATE FUNCTION sneaky() RETURNS void LANGUAGE sql AS 'SET standard_conforming_strings = off'", connection);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => create.ExecuteNonQueryAsync());

        Assert.Equal("42501", refused.SqlState);
        Assert.Contains("default:function-body", refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_whose_server_switches_string_syntax_is_ended()
    {
        // Made directly, as an administrator could; calling it through the gateway flips the setting upstream.
        await ExecuteDirectAsync("CREATE OR REPLACE FUNCTION flip() RETURNS void LANGUAGE sql AS 'SET standard_conforming_strings = off'");
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");

        await raw.QueryAsync("SELECT flip()");
        var replies = await raw.ReadToEndAsync();

        var fatal = RawClient.Error(Assert.Single(replies, r => r.Type == 'E'));
        Assert.Equal("FATAL", fatal.Severity);
        Assert.Contains("standard_conforming_strings", fatal.Message, StringComparison.Ordinal);
    }
}
