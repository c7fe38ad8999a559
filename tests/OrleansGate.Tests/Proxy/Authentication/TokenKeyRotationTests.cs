using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Authentication;

/// <summary>
/// The issuer rotates its keys under a running gateway: a token signed by a new key makes the
/// gateway read the key set again (once, rate-limited), and a key the issuer withdrew stops
/// logging anyone in after that read.
/// </summary>
public sealed class TokenKeyRotationTests(PostgresFixture postgres) : GatewayTestBase(postgres), IDisposable
{
    private readonly TestIssuer _issuer = new();
    private readonly TestCertificate _certificate = TestCertificate.Create();

    // The issuer's keys change during each test: a gateway of its own.
    protected override bool SharesGatewayWithClass => false;

    protected override void Configure(JsonObject configuration)
    {
        configuration.Section("Proxy")["Tls"] = _certificate.TlsSection(TestCertificateForm.PemWithSeparateKey);
        configuration["OrleansGate"]!["Oidc"] = new JsonArray(_issuer.Options(o => o["KeyRefreshInterval"] = RefreshInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_new_key_is_fetched_once_and_a_withdrawn_key_stops_working_after_the_refresh()
    {
        await LogInAsync(_issuer.Mint("ivy"));
        Assert.Equal(1, _issuer.KeySetReads);

        // Rotation: a new key published, the old one withdrawn.
        var next = TestIssuer.NewRsaKey("rsa-2");
        _issuer.Publish(next);
        _issuer.Withdraw(_issuer.Rsa);
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // past the refresh interval since the first read

        // The old key still verifies until the gateway reads the set again: nothing made it yet.
        await LogInAsync(_issuer.Mint("ivy"));
        Assert.Equal(1, _issuer.KeySetReads);

        // A token with the new key: one read, and it logs in.
        await LogInAsync(_issuer.Mint("ivy", key: next));
        Assert.Equal(2, _issuer.KeySetReads);

        // The withdrawn key is gone from what the gateway holds now.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => LogInAsync(_issuer.Mint("ivy")));
        Assert.Equal("28000", refused.SqlState);
        Assert.Contains("signed with a key the issuer does not publish", refused.MessageText, StringComparison.Ordinal);

        // A flood of tokens with unknown keys reads the set no more than once per refresh interval
        // (20 TLS logins take longer than one interval on a loaded machine: count the intervals).
        var flood = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            await Assert.ThrowsAsync<PostgresException>(() => LogInAsync(_issuer.Mint("ivy", key: TestIssuer.NewEcKey($"stranger-{i}"))));
        }

        var intervals = (int)Math.Ceiling(flood.Elapsed / RefreshInterval);
        Assert.InRange(_issuer.KeySetReads, 2, 2 + intervals);
        Assert.True(intervals < 20, $"the flood took {flood.Elapsed}: too slow to show a limit");
    }

    private async Task LogInAsync(string token)
    {
        await using var connection = new NpgsqlConnection(Gateway.ConnectionString("ivy", token, "main", b => b.SslMode = SslMode.Require));
        await connection.OpenAsync();
    }

    public void Dispose()
    {
        _issuer.Dispose();
        _certificate.Dispose();
    }
}
