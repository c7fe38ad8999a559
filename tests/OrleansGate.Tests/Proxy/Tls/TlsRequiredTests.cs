using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Tls;

/// <summary>With <c>Proxy:Tls:Required</c>, a client that does not ask for TLS is refused with 28000 before it authenticates.</summary>
public sealed class TlsRequiredTests(PostgresFixture postgres) : GatewayTestBase(postgres), IDisposable
{
    private readonly TestCertificate _certificate = TestCertificate.Create();

    protected override void Configure(JsonObject configuration) =>
        configuration.Section("Proxy")["Tls"] = _certificate.TlsSection(TestCertificateForm.Pkcs12, required: true);

    [Fact]
    public async Task A_plaintext_Npgsql_client_gets_28000()
    {
        await using var connection = new NpgsqlConnection(ViaGateway(b => b.SslMode = SslMode.Disable));

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("28000", error.SqlState);
        Assert.Contains("TLS", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plaintext_raw_startup_gets_one_28000_and_no_authentication_request()
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);
        var messages = await client.LoginAsync("alice", GatewayConfig.AlicePassword, "main");
        messages.AddRange(await client.ReadToEndAsync());

        var error = RawClient.Error(Assert.Single(messages));
        Assert.Equal("28000", error.SqlState);
        UpstreamSecrets.AssertNoneIn(client.Received, Gateway.Configuration);
    }

    [Fact]
    public async Task Npgsql_and_psql_over_tls_are_served()
    {
        await using var connection = await OpenViaGatewayAsync(b => b.SslMode = SslMode.Require);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await command.ExecuteScalarAsync());

        var psql = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main", "require"),
            ["-At", "-c", "SELECT 2"]);
        Assert.True(psql.ExitCode == 0, psql.Output);
        Assert.Equal("2", psql.StandardOutput.Trim());
    }

    public void Dispose() => _certificate.Dispose();
}
