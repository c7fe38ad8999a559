using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Tls;

/// <summary>
/// SCRAM-SHA-256-PLUS with tls-server-end-point: clients that require channel binding connect, and
/// a relay that ends TLS with its own certificate cannot pass a login on, whether it relays the
/// offer as it is or strips PLUS from it.
/// </summary>
public sealed class ChannelBindingTests(PostgresFixture postgres) : GatewayTestBase(postgres), IDisposable
{
    private readonly TestCertificate _certificate = TestCertificate.Create();
    private readonly TestCertificate _attacker = TestCertificate.Create();

    protected override void Configure(JsonObject configuration) =>
        configuration.Section("Proxy")["Tls"] = _certificate.TlsSection(TestCertificateForm.PemWithSeparateKey);

    [Fact]
    public async Task Npgsql_and_psql_requiring_channel_binding_connect_over_tls()
    {
        await using (var connection = await OpenViaGatewayAsync(b =>
                     {
                         b.SslMode = SslMode.Require;
                         b.ChannelBinding = ChannelBinding.Require;
                     }))
        {
            await using var command = new NpgsqlCommand("SELECT 'bound'", connection);
            Assert.Equal("bound", await command.ExecuteScalarAsync());
        }

        var psql = await ClientTools.PsqlAsync(
            Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main", "require") + " channel_binding=require",
            ["-c", "SELECT 'psql bound'"]);
        Assert.True(psql.ExitCode == 0, psql.Output);
        Assert.Contains("psql bound", psql.StandardOutput, StringComparison.Ordinal);

        // A wrong password with binding is still a wrong password.
        var wrong = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", "not-the-password", "main", "require") + " channel_binding=require",
            ["-c", "SELECT 1"]);
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("password authentication failed", wrong.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relay_with_its_own_certificate_cannot_pass_a_bound_login_on()
    {
        await using var relay = new TlsInterceptingRelay(Gateway.Port, _attacker.Certificate);
        var through = Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main", "require")
            .Replace($"port={Gateway.Port}", $"port={relay.Port}", StringComparison.Ordinal);
        Assert.Contains($"port={relay.Port}", through, StringComparison.Ordinal);

        // libpq's default (channel_binding=prefer) binds when offered: the certificate it saw is the relay's.
        var prefer = await ClientTools.PsqlAsync(through, ["-c", "SELECT 1"]);
        Assert.NotEqual(0, prefer.ExitCode);
        Assert.Contains("SCRAM channel binding check failed", prefer.Output, StringComparison.Ordinal);

        await using var npgsql = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ViaGateway(b => b.SslMode = SslMode.Require))
        {
            Port = relay.Port, ChannelBinding = ChannelBinding.Require,
        }.ConnectionString);
        var error = await Assert.ThrowsAsync<PostgresException>(() => npgsql.OpenAsync());
        Assert.Equal("08P01", error.SqlState);
        Assert.Contains("channel binding check failed", error.MessageText, StringComparison.Ordinal);

        // The relay itself works: a client that turns binding off is passed on (what binding exists to stop).
        var unbound = await ClientTools.PsqlAsync(through + " channel_binding=disable", ["-c", "SELECT 'relayed'"]);
        Assert.True(unbound.ExitCode == 0, unbound.Output);
    }

    [Fact]
    public async Task A_relay_that_strips_PLUS_from_the_offer_is_caught_by_the_clients_y_flag()
    {
        await using var relay = new TlsInterceptingRelay(Gateway.Port, _attacker.Certificate, stripChannelBinding: true);
        var through = Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main", "require")
            .Replace($"port={Gateway.Port}", $"port={relay.Port}", StringComparison.Ordinal);

        var prefer = await ClientTools.PsqlAsync(through, ["-c", "SELECT 1"]);

        Assert.NotEqual(0, prefer.ExitCode);
        Assert.Contains("SCRAM channel binding negotiation error", prefer.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_tls_no_binding_is_offered_and_a_client_that_requires_it_gives_up()
    {
        var plain = await ClientTools.PsqlAsync(
            Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main", "disable") + " channel_binding=require", ["-c", "SELECT 1"]);

        Assert.NotEqual(0, plain.ExitCode);
        Assert.Contains("channel binding", plain.Output, StringComparison.Ordinal);

        var ok = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main", "disable"), ["-c", "SELECT 'plain'"]);
        Assert.True(ok.ExitCode == 0, ok.Output);
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _attacker.Dispose();
    }
}
