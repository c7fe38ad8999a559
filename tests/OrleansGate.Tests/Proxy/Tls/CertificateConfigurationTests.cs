using OrleansGate.Proxy.Configuration;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Tls;

/// <summary>A certificate the gateway cannot use stops it at start, naming the key, instead of failing the first client.</summary>
public sealed class CertificateConfigurationTests(PostgresFixture postgres) : GatewayTestBase(postgres), IDisposable
{
    private readonly TestCertificate _certificate = TestCertificate.Create();

    [Fact]
    public async Task A_pem_certificate_without_its_key_stops_the_gateway_naming_the_key()
    {
        var configuration = GatewayConfig.Standard(Postgres, Database);
        configuration.Section("Proxy")["Tls"] = new System.Text.Json.Nodes.JsonObject { ["CertificatePath"] = _certificate.CertificatePath };

        var error = await Assert.ThrowsAsync<InvalidConfigurationException>(() => TestGateway.StartAsync(configuration));

        Assert.StartsWith("OrleansGate:Proxy:Tls:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pkcs12_file_with_the_wrong_password_stops_the_gateway()
    {
        var configuration = GatewayConfig.Standard(Postgres, Database);
        configuration.Section("Proxy")["Tls"] = new System.Text.Json.Nodes.JsonObject
        {
            ["CertificatePath"] = _certificate.PfxPath,
            ["Password"] = "not-the-password",
        };

        var error = await Assert.ThrowsAsync<InvalidConfigurationException>(() => TestGateway.StartAsync(configuration));

        Assert.Equal("OrleansGate:Proxy:Tls:CertificatePath", error.Key);
    }

    public void Dispose() => _certificate.Dispose();
}
