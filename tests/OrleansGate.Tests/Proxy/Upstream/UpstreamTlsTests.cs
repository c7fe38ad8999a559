using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Upstream;

/// <summary>
/// The gateway's connection to the database per the target's SslMode, against the test server
/// with TLS switched on for each test (a self-signed certificate made for the test). The server's
/// own pg_stat_ssl, read through the gateway, says whether the upstream session is encrypted.
/// </summary>
public sealed class UpstreamTlsTests(PostgresFixture postgres) : GatewayTestBase(postgres), IDisposable
{
    private const string IsEncrypted = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    private readonly TestCertificate _serverCertificate = TestCertificate.Create();
    private RecordingTcpRelay? _eavesdropper;

    public override async Task InitializeAsync()
    {
        await PostgresServerTls.EnableAsync(Postgres, _serverCertificate);
        _eavesdropper = new RecordingTcpRelay(Postgres.Server.Port);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _eavesdropper!.DisposeAsync();
        await PostgresServerTls.DisableAsync(Postgres);
    }

    protected override void Configure(JsonObject configuration)
    {
        var targets = configuration.Targets();
        targets.Add(GatewayConfig.Target("tls_prefer", Postgres, Database, PostgresFixture.ScramUser, "Prefer"));
        targets.Add(GatewayConfig.Target("tls_require", Postgres, Database, PostgresFixture.Md5User, "Require"));
        targets.Add(GatewayConfig.Target("tls_verify_untrusted", Postgres, Database, PostgresFixture.ScramUser, "VerifyFull"));
        var trusted = GatewayConfig.Target("tls_verify_trusted", Postgres, Database, PostgresFixture.CleartextUser, "VerifyFull");
        trusted["RootCertificate"] = _serverCertificate.CertificatePath;
        targets.Add(trusted);
        // The same server seen through a relay that records what the gateway sends it.
        var observed = GatewayConfig.Target("tls_require_observed", Postgres, Database, PostgresFixture.ScramUser, "Require");
        observed["Host"] = "127.0.0.1";
        observed["Port"] = _eavesdropper!.Port;
        targets.Add(observed);
    }

    [Theory]
    [InlineData("main", false)] // SslMode Disable
    [InlineData("tls_prefer", true)]
    [InlineData("tls_require", true)]
    [InlineData("tls_verify_trusted", true)]
    public async Task The_upstream_session_is_encrypted_exactly_when_the_ssl_mode_asks_for_it(string target, bool encrypted)
    {
        await using var connection = new NpgsqlConnection(Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, target));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(IsEncrypted, connection);

        Assert.Equal(encrypted, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task VerifyFull_against_an_untrusted_certificate_fails_closed_with_08006()
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);
        var messages = await client.LoginAsync("alice", GatewayConfig.AlicePassword, "tls_verify_untrusted");
        messages.AddRange(await client.ReadToEndAsync());

        Assert.DoesNotContain(messages, m => m.Type == 'Z');
        var error = RawClient.Error(Assert.Single(messages, m => m.Type == 'E'));
        Assert.Equal("08006", error.SqlState);
        Assert.StartsWith("could not connect to target \"tls_verify_untrusted\": the TLS handshake failed", error.Message,
            StringComparison.Ordinal);
        UpstreamSecrets.AssertNoneIn(client.Received, Gateway.Configuration);
    }

    [Fact]
    public async Task A_query_on_an_encrypted_upstream_session_can_be_cancelled()
    {
        await using var connection = new NpgsqlConnection(Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, "tls_require"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var canceled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => command.ExecuteNonQueryAsync(cancellation.Token));

        Assert.Equal("57014", Assert.IsType<PostgresException>(canceled.InnerException).SqlState);
        await using var next = new NpgsqlCommand(IsEncrypted, connection);
        Assert.Equal(true, await next.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_cancel_request_to_an_encrypted_target_goes_inside_TLS_too()
    {
        await using var connection = new NpgsqlConnection(Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, "tls_require_observed"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var canceled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => command.ExecuteNonQueryAsync(cancellation.Token));
        Assert.Equal("57014", Assert.IsType<PostgresException>(canceled.InnerException).SqlState);

        // Two connections reached the server: the session and the cancel. Each began with an
        // SSLRequest, and no plaintext CancelRequest (length 16, code 80877102) crossed the wire.
        var sent = _eavesdropper!.Sent();
        Assert.True(sent.Count >= 2, $"{sent.Count} connection(s) reached the server");
        byte[] sslRequest = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F];
        byte[] cancelRequest = [0, 0, 0, 16, 0x04, 0xD2, 0x16, 0x2E];
        Assert.All(sent, bytes => Assert.True(bytes.AsSpan().StartsWith(sslRequest), "a connection did not start with SSLRequest"));
        Assert.All(sent, bytes => Assert.True(bytes.AsSpan().IndexOf(cancelRequest) < 0, "a CancelRequest went in plaintext"));
    }

    public void Dispose() => _serverCertificate.Dispose();
}
