using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Upstream;

/// <summary>
/// VerifyFull checks the host name as well as the chain: a server certificate that chains to the
/// configured root but names another host is refused.
/// </summary>
public sealed class UpstreamTlsHostNameTests(PostgresFixture postgres) : GatewayTestBase(postgres), IDisposable
{
    private readonly TestCertificate _otherHostCertificate = TestCertificate.Create("db.example.invalid");

    public override async Task InitializeAsync()
    {
        await PostgresServerTls.EnableAsync(Postgres, _otherHostCertificate);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await PostgresServerTls.DisableAsync(Postgres);
    }

    protected override void Configure(JsonObject configuration)
    {
        var target = GatewayConfig.Target("tls_wrong_host", Postgres, Database, PostgresFixture.ScramUser, "VerifyFull");
        target["RootCertificate"] = _otherHostCertificate.CertificatePath;
        configuration.Targets().Add(target);
    }

    [Fact]
    public async Task A_trusted_certificate_for_another_host_fails_closed_with_08006()
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);
        var messages = await client.LoginAsync("alice", GatewayConfig.AlicePassword, "tls_wrong_host");
        messages.AddRange(await client.ReadToEndAsync());

        var error = RawClient.Error(Assert.Single(messages, m => m.Type == 'E'));
        Assert.Equal("08006", error.SqlState);
        Assert.StartsWith("could not connect to target \"tls_wrong_host\": the TLS handshake failed", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(messages, m => m.Type == 'Z');
        UpstreamSecrets.AssertNoneIn(client.Received, Gateway.Configuration);
    }

    public void Dispose() => _otherHostCertificate.Dispose();
}
