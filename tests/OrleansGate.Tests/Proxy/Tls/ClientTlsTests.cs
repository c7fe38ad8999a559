using System.Diagnostics;
using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Tls;

/// <summary>
/// TLS between clients and the gateway with a certificate made for the test: every certificate
/// form loads, Npgsql and psql connect over TLS (and verify the certificate when asked), and
/// cancellation still works from a TLS session.
/// </summary>
public sealed class ClientTlsTests(PostgresFixture postgres) : GatewayTestBase(postgres), IDisposable
{
    private readonly TestCertificate _certificate = TestCertificate.Create();

    protected override void Configure(JsonObject configuration) =>
        configuration.Section("Proxy")["Tls"] = _certificate.TlsSection(TestCertificateForm.PemWithSeparateKey);

    [Theory]
    [InlineData(TestCertificateForm.PemWithSeparateKey)]
    [InlineData(TestCertificateForm.PemWithKeyInside)]
    [InlineData(TestCertificateForm.Pkcs12)]
    public async Task Each_certificate_form_is_presented_to_a_verifying_client(TestCertificateForm form)
    {
        var configuration = GatewayConfig.Standard(Postgres, Database);
        configuration.Section("Proxy")["Tls"] = _certificate.TlsSection(form);
        await using var gateway = await TestGateway.StartAsync(configuration);

        // VerifyFull succeeds only over TLS, with this very certificate, for the host name connected to.
        await using var connection = new NpgsqlConnection(gateway.ConnectionString("alice", GatewayConfig.AlicePassword, "main", b =>
        {
            b.SslMode = SslMode.VerifyFull;
            b.RootCertificate = _certificate.CertificatePath;
        }));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT 'over tls'", connection);

        Assert.Equal("over tls", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Npgsql_with_SslMode_Require_runs_queries_including_a_large_result()
    {
        await using var connection = await OpenViaGatewayAsync(b => b.SslMode = SslMode.Require);
        await using var small = new NpgsqlCommand("SELECT 1", connection);
        await using var large = new NpgsqlCommand("SELECT sum(length(repeat('x', n))) FROM generate_series(1, 2000) AS n", connection);
        await using var wide = new NpgsqlCommand("SELECT repeat('y', 3000000)", connection);

        Assert.Equal(1, await small.ExecuteScalarAsync());
        Assert.Equal(2001000L, Convert.ToInt64(await large.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(3000000, ((string)(await wide.ExecuteScalarAsync())!).Length);
    }

    [Fact]
    public async Task Npgsql_refuses_the_gateway_when_it_does_not_trust_the_certificate()
    {
        // The other side of the VerifyFull test: without the root, the same client must fail.
        await using var connection = new NpgsqlConnection(ViaGateway(b => b.SslMode = SslMode.VerifyFull));

        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());
        Assert.IsType<System.Security.Authentication.AuthenticationException>(error.InnerException);
    }

    [Fact]
    public async Task Psql_with_sslmode_require_reports_an_ssl_connection()
    {
        var result = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main", "require"),
            ["-c", "\\conninfo", "-c", "SELECT 'psql over tls'"]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("SSL connection (protocol: TLS", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("psql over tls", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Psql_with_sslmode_verify_full_accepts_the_gateway_certificate()
    {
        var connectionString = Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main",
            $"verify-full sslrootcert={_certificate.CertificatePath}");

        var result = await ClientTools.PsqlAsync(connectionString, ["-At", "-c", "SELECT 'verified'"]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("verified", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task A_query_on_a_tls_session_is_cancelled_within_two_seconds()
    {
        await using var connection = await OpenViaGatewayAsync(b => b.SslMode = SslMode.Require);
        await CancelCheck.AssertLongQueryIsCancelledAsync(connection);
    }

    [Fact]
    public async Task Bytes_pipelined_behind_SSLRequest_are_refused_with_08P01_before_any_handshake()
    {
        // CVE-2021-23214: a man in the middle appends plaintext to the SSLRequest, hoping it is
        // later read as if it had come through TLS.
        using var packet = new MessageBuilder();
        packet.SslRequest();
        using var startup = new MessageBuilder();
        startup.StartupMessage([new("user", "alice"), new("database", "main")]);
        await using var client = await RawClient.ConnectAsync(Gateway.Port);

        await client.SendAsync(packet.ToArray().Concat(startup.ToArray()).ToArray());
        var messages = await client.ReadToEndAsync();

        var error = RawClient.Error(Assert.Single(messages));
        Assert.Equal("08P01", error.SqlState);
        Assert.Equal("FATAL", error.Severity);
        Assert.Equal((byte)'E', client.Received[0]); // never 'S': no TLS handshake was started
    }

    [Fact]
    public async Task A_GSSENCRequest_inside_TLS_is_refused_with_08P01_and_the_gateway_goes_on()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, Gateway.Port);
        await using var plain = new System.Net.Sockets.NetworkStream(socket, ownsSocket: false);
        using var builder = new MessageBuilder();
        await plain.WriteAsync(builder.StartUntyped().WriteInt32(StartupCodes.SslRequest).Finish().WrittenMemory);
        var answer = new byte[1];
        await plain.ReadExactlyAsync(answer);
        Assert.Equal((byte)'S', answer[0]);
        await using var tls = new System.Net.Security.SslStream(plain, leaveInnerStreamOpen: true, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");

        // libpq never does this: GSSAPI encryption can only be asked for in plain text.
        builder.Reset();
        await tls.WriteAsync(builder.StartUntyped().WriteInt32(StartupCodes.GssEncRequest).Finish().WrittenMemory);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        await tls.CopyToAsync(received, timeout.Token);

        var bytes = received.ToArray();
        Assert.Equal((byte)'E', bytes[0]);
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1));
        Assert.True(OrleansGate.Proxy.Protocol.Backend.ErrorResponse.TryDecode(
            new System.Buffers.ReadOnlySequence<byte>(bytes, 5, length - 4), out var error));
        Assert.Equal(SqlState.ProtocolViolation, error.SqlState);
        Assert.Equal("GSSAPI encryption requested inside a TLS connection", error.Message);
        Assert.Equal(1 + length, bytes.Length); // then the connection was closed

        await using var next = await OpenViaGatewayAsync(b => b.SslMode = SslMode.Require);
        await using var command = new NpgsqlCommand("SELECT 1", next);
        Assert.Equal(1, await command.ExecuteScalarAsync());
    }

    public void Dispose() => _certificate.Dispose();
}
