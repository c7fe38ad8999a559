using Npgsql;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Tls;

/// <summary>
/// A gateway with no certificate configured declines TLS the way PostgreSQL does: SSLRequest is
/// answered 'N' and the client may go on in plain text; clients that insist on TLS fail.
/// </summary>
public sealed class NoCertificateTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    [Fact]
    public async Task SSLRequest_is_answered_N_and_the_same_connection_logs_in_in_plain_text()
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);
        await client.SendAsync(b => b.SslRequest());

        Assert.Equal((byte)'N', await client.ReadByteAsync());
        var login = await client.LoginAsync("alice", GatewayConfig.AlicePassword, "main");
        Assert.Equal('Z', login[^1].Type);
    }

    [Fact]
    public async Task Npgsql_with_SslMode_Require_fails_and_with_Prefer_connects()
    {
        await using var required = new NpgsqlConnection(ViaGateway(b => b.SslMode = SslMode.Require));
        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => required.OpenAsync());
        Assert.Contains("SSL", error.Message, StringComparison.OrdinalIgnoreCase);

        await using var preferred = await OpenViaGatewayAsync(b => b.SslMode = SslMode.Prefer);
        await using var command = new NpgsqlCommand("SELECT 'plain'", preferred);
        Assert.Equal("plain", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Psql_with_sslmode_require_fails_and_with_prefer_connects_without_ssl()
    {
        var required = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main", "require"),
            ["-c", "SELECT 1"]);
        Assert.NotEqual(0, required.ExitCode);
        Assert.Contains("server does not support SSL", required.StandardError, StringComparison.Ordinal);

        var preferred = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main", "prefer"),
            ["-c", "\\conninfo"]);
        Assert.True(preferred.ExitCode == 0, preferred.Output);
        Assert.Contains("You are connected to database \"main\"", preferred.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("SSL connection", preferred.StandardOutput, StringComparison.Ordinal);
    }
}
