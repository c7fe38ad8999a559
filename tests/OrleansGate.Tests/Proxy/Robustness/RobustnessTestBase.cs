using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Robustness;

/// <summary>
/// What every robustness test checks after it has misbehaved towards the gateway: the
/// misbehaving connection got a FATAL with the right SQLSTATE and was closed promptly, its
/// database session is gone, and another client on the same gateway is served as usual.
/// </summary>
public abstract class RobustnessTestBase(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    /// <summary>
    /// The client's application name is the database session's name too ({application}), so a
    /// test finds its own database session in pg_stat_activity.
    /// </summary>
    protected override void Configure(JsonObject configuration) =>
        configuration.Section("Proxy")["UpstreamApplicationName"] = "{application}";

    /// <summary>Nothing here may take longer than this to be answered: a hang fails the test.</summary>
    protected static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    /// <summary>A raw client logged in as alice, its database session tagged with <paramref name="applicationName"/>.</summary>
    protected async Task<RawClient> LoginRawAsync(string applicationName)
    {
        var client = await RawClient.ConnectAsync(Gateway.Port);
        var greeting = await client.LoginAsync("alice", GatewayConfig.AlicePassword, "main", [new("application_name", applicationName)]);
        Assert.Equal('Z', greeting[^1].Type);
        return client;
    }

    /// <summary>The gateway answers with one FATAL of <paramref name="sqlState"/> and closes the connection, without delay.</summary>
    protected static async Task<string> AssertFatalAndClosedAsync(RawClient client, string sqlState)
    {
        var messages = await client.ReadToEndAsync(Prompt);

        var last = Assert.Single(messages, m => m.Type == 'E');
        Assert.Equal(last, messages[^1]);
        var error = RawClient.Error(last);
        Assert.Equal(Severity.Fatal, error.Severity);
        Assert.Equal(sqlState, error.SqlState);
        return error.Message!;
    }

    /// <summary>Another session through the same gateway still gets correct answers.</summary>
    protected async Task AssertGatewayStillServesAsync()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand("SELECT 1 + 1, current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(2, reader.GetInt32(0));
        Assert.Equal(Database, reader.GetString(1));
    }

    /// <summary>Database sessions with this application_name, seen directly in pg_stat_activity.</summary>
    protected async Task<long> UpstreamSessionsAsync(string applicationName)
    {
        await using var admin = await Postgres.OpenAdminAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", admin)
        {
            Parameters = { new() { Value = applicationName } },
        };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Waits (bounded) until the database session with this application_name has ended; fails if it does not.</summary>
    protected async Task AssertUpstreamSessionEndsAsync(string applicationName, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? Prompt);
        while (await UpstreamSessionsAsync(applicationName) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the database session '{applicationName}' is still there");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits (bounded) until the gateway counts no live session.</summary>
    protected async Task AssertNoSessionLeftAsync()
    {
        var deadline = DateTime.UtcNow + Prompt;
        while (Gateway.Server.ActiveSessions > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{Gateway.Server.ActiveSessions} sessions still open");
            await Task.Delay(20);
        }
    }
}
