using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Upstream;

/// <summary>
/// When the gateway cannot open the upstream session the client gets FATAL 08006 naming the
/// target, never its user name, password or the server's own error text, and the gateway keeps
/// serving everyone else.
/// </summary>
public sealed class UpstreamFailureTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    private const string WrongPassword = "not-the-upstream-password-7f3a";

    protected override void Configure(JsonObject configuration)
    {
        var badPassword = GatewayConfig.Target("badpass", Postgres, Database, PostgresFixture.ScramUser);
        badPassword["Password"] = WrongPassword;
        var offline = GatewayConfig.Target("offline", Postgres, Database, PostgresFixture.Md5User);
        offline["Port"] = ClosedPort();
        offline["ConnectTimeout"] = "00:00:05";
        configuration.Targets().Add(badPassword);
        configuration.Targets().Add(offline);
    }

    [Fact]
    public async Task A_target_with_a_wrong_upstream_password_gets_08006_naming_only_the_target()
    {
        var (message, received) = await RefusedAsync("badpass");

        Assert.StartsWith("could not connect to target \"badpass\":", message, StringComparison.Ordinal);
        Assert.False(RawClient.Contains(received, WrongPassword), "the wrong upstream password reached the client");
        // The server's text would be 'password authentication failed for user "og_upstream"'.
        Assert.False(RawClient.Contains(received, "password authentication failed"));
    }

    [Fact]
    public async Task An_unreachable_target_gets_08006_and_the_gateway_keeps_serving()
    {
        var (message, _) = await RefusedAsync("offline");
        Assert.StartsWith("could not connect to target \"offline\":", message, StringComparison.Ordinal);

        await using var npgsql = new NpgsqlConnection(Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, "offline"));
        var error = await Assert.ThrowsAsync<PostgresException>(() => npgsql.OpenAsync());
        Assert.Equal("08006", error.SqlState);
        Assert.Contains("\"offline\"", error.MessageText, StringComparison.Ordinal);

        await using var healthy = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand("SELECT 1", healthy);
        Assert.Equal(1, await command.ExecuteScalarAsync());
    }

    /// <summary>Logs in to <paramref name="target"/>, which must fail with one FATAL 08006 and no credential on the wire.</summary>
    private async Task<(string Message, byte[] Received)> RefusedAsync(string target)
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);
        var messages = await client.LoginAsync("alice", GatewayConfig.AlicePassword, target);
        messages.AddRange(await client.ReadToEndAsync());

        Assert.DoesNotContain(messages, m => m.Type == 'Z');
        var error = RawClient.Error(Assert.Single(messages, m => m.Type == 'E'));
        Assert.Equal("FATAL", error.Severity);
        Assert.Equal("08006", error.SqlState);
        UpstreamSecrets.AssertNoneIn(client.Received, Gateway.Configuration);
        return (error.Message!, client.Received);
    }

    /// <summary>A loopback port nothing listens on: bound, then released.</summary>
    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
