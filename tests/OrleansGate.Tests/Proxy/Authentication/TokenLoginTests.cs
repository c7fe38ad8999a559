using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Authentication;

/// <summary>
/// OIDC token logins (docs/identities.md) against an issuer the test runs: psql and Npgsql log in
/// with a token as password over TLS, the record names the token, groups come from its claims,
/// and every way a token can be wrong is refused with 28000, recorded, and nothing goes upstream.
/// </summary>
public sealed class TokenLoginTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    // One issuer whose sessions end with their token, one whose sessions outlive it and whose
    // groups are mapped; shared by the class's tests, which share its gateway.
    private static readonly TestIssuer Ending = new();
    private static readonly TestIssuer Outliving = new();
    private static readonly TestIssuer KeySetOnly = new(servesDiscovery: false);
    private static readonly TestCertificate Certificate = TestCertificate.Create();
    private static RecordingTcpRelay? _upstream;

    protected override void Configure(JsonObject configuration)
    {
        configuration.Section("Proxy")["Tls"] = Certificate.TlsSection(TestCertificateForm.PemWithSeparateKey);
        // The client's application name goes upstream inside the session's name: how the relay
        // below tells one test's upstream connection from another's.
        configuration.Section("Proxy")["UpstreamApplicationName"] = "orleansgate:{identity}/{application}";
        configuration["OrleansGate"]!["Oidc"] = new JsonArray(
            Ending.Options(),
            Outliving.Options(o =>
            {
                o["SessionsOutliveToken"] = true;
                o["GroupMap"] = new JsonObject { ["db-readers"] = "analysts" };
            }),
            KeySetOnly.Options(o => o["JwksUri"] = KeySetOnly.Url + "jwks"));
        // A target reached through a relay that records every upstream connection's bytes.
        _upstream ??= new RecordingTcpRelay(Postgres.Server.Port);
        var watched = GatewayConfig.Target("watched", Postgres, Database, PostgresFixture.ScramUser);
        watched["Port"] = _upstream.Port;
        configuration.Targets().Add(watched);
    }

    [Fact]
    public async Task Psql_logs_in_with_a_token_as_password_over_tls_and_the_record_names_the_token()
    {
        var application = "psql-token-" + Guid.NewGuid().ToString("N")[..8];
        var token = Ending.Mint("dana", ["analysts"]);

        // As a CI job would: the token in PGPASSWORD, never on the command line.
        var result = await ClientTools.PsqlAsync(
            $"host=127.0.0.1 port={Gateway.Port} dbname=main user=dana sslmode=require application_name={application}",
            ["-c", "\\conninfo", "-c", "SELECT 'logged in with a token'"], environment: new Dictionary<string, string> { ["PGPASSWORD"] = token });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("SSL connection (protocol: TLS", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("logged in with a token", result.StandardOutput, StringComparison.Ordinal);
        var started = (await AuditRecord.SessionOfApplicationAsync(Postgres, application))[0];
        Assert.Equal("dana", started.Text("Identity"));
        Assert.Equal(["analysts"], started.Data.ListOf("Groups").Select(g => g.GetString()));
        var recorded = started.Data.GetProperty("Token");
        Assert.Equal(Ending.Url, recorded.GetProperty("Issuer").GetString());
        Assert.Equal("dana", recorded.GetProperty("Subject").GetString());
        Assert.Equal(ClaimOf(token, "jti"), recorded.GetProperty("TokenId").GetString());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(long.Parse(ClaimOf(token, "exp"), System.Globalization.CultureInfo.InvariantCulture)),
            recorded.GetProperty("ExpiresAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Npgsql_logs_in_with_an_ec_signed_token_and_the_groups_decide_the_target()
    {
        await using (var connection = new NpgsqlConnection(TokenConnection("erin", Ending.Mint("erin", ["analysts"], key: Ending.Ec))))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT 'es256'", connection);
            Assert.Equal("es256", await command.ExecuteScalarAsync());
        }

        // Valid token, but its groups share none with the target's.
        await using var outsider = new NpgsqlConnection(TokenConnection("erin", Ending.Mint("erin", ["outsiders"], key: Ending.Ec)));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => outsider.OpenAsync());
        Assert.Equal("28000", refused.SqlState);
        Assert.Contains("identity \"erin\" is not allowed to use database \"main\"", refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_issuer_configured_with_its_key_set_s_address_needs_no_discovery_document()
    {
        await using var connection = new NpgsqlConnection(TokenConnection("ivan", KeySetOnly.Mint("ivan", ["analysts"])));
        await connection.OpenAsync();

        Assert.True(KeySetOnly.KeySetReads >= 1);
    }

    [Fact]
    public async Task A_group_map_admits_only_mapped_claim_values()
    {
        await using (var mapped = new NpgsqlConnection(TokenConnection("fay", Outliving.Mint("fay", ["db-readers"]))))
        {
            await mapped.OpenAsync();
        }

        // "analysts" is a gateway group, but this issuer's claims count only through its map.
        await using var unmapped = new NpgsqlConnection(TokenConnection("fay", Outliving.Mint("fay", ["analysts"])));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => unmapped.OpenAsync());
        Assert.Equal("28000", refused.SqlState);
        Assert.Contains("not allowed to use database", refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_identity_keeps_its_password_and_a_token_cannot_log_in_as_it()
    {
        await using (var alice = new NpgsqlConnection(Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, "main")))
        {
            await alice.OpenAsync();
        }

        await using var impostor = new NpgsqlConnection(TokenConnection("alice", Ending.Mint("alice", ["analysts"])));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => impostor.OpenAsync());
        Assert.Equal("28P01", refused.SqlState);
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "expired", "the token has expired" },
        { "not-yet-valid", "the token is not valid yet" },
        { "wrong-issuer", "the token's issuer is not trusted" },
        { "wrong-audience", "the token is not meant for this gateway" },
        { "bad-signature", "the token's signature does not verify" },
        { "alg-none", "the token's signing algorithm 'none' is not allowed" },
        { "hs256-with-public-key", "the token's signing algorithm 'HS256' is not allowed" },
        { "rs384-not-allowed", "the token's signing algorithm 'RS384' is not allowed" },
        { "unknown-kid", "the token is signed with a key the issuer does not publish" },
        { "another-user", "the token's sub claim does not name user \"gil\"" },
        { "not-a-token", "the password is not a token" },
        { "plain-connection", "a token is accepted only over TLS" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_bad_token_is_refused_with_28000_recorded_and_nothing_goes_upstream(string kind, string reason)
    {
        var application = $"refused-{kind}-{Guid.NewGuid().ToString("N")[..6]}";
        var connection = new NpgsqlConnectionStringBuilder(TokenConnection("gil", TokenFor(kind), "watched")) { ApplicationName = application };
        if (kind == "plain-connection")
        {
            connection.SslMode = SslMode.Disable;
        }

        await using var client = new NpgsqlConnection(connection.ConnectionString);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => client.OpenAsync());

        Assert.Equal("28000", refused.SqlState);
        Assert.StartsWith("token authentication failed for user \"gil\": ", refused.MessageText, StringComparison.Ordinal);
        Assert.True(refused.MessageText.Contains(reason, StringComparison.Ordinal), refused.MessageText);
        var record = await Eventually.HoldsAsync(() => RefusalOfAsync(application), r => r is not null, TimeSpan.FromSeconds(10));
        Assert.Equal("gil", record!.Text("Identity"));
        Assert.Equal("watched", record.Text("Target"));
        Assert.Equal(refused.MessageText["token authentication failed for user \"gil\": ".Length..], record.Text("Reason"));
        Assert.Equal(kind != "plain-connection", record.Data.FlagOf("Tls"));
        Assert.DoesNotContain(_upstream!.Sent(), bytes => Encoding.UTF8.GetString(bytes).Contains(application, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_replay_tool_verifies_a_refused_login_as_a_sealed_record_of_its_own()
    {
        var application = "refused-verify-" + Guid.NewGuid().ToString("N")[..8];
        var connection = new NpgsqlConnectionStringBuilder(TokenConnection("gil", TokenFor("expired"), "watched")) { ApplicationName = application };
        await using (var client = new NpgsqlConnection(connection.ConnectionString))
        {
            await Assert.ThrowsAsync<PostgresException>(() => client.OpenAsync());
        }

        var record = await Eventually.HoldsAsync(() => RefusalOfAsync(application), r => r is not null, TimeSpan.FromSeconds(10));
        var verdict = InProcessVerify.SingleVerdict(await InProcessVerify.RunAsync(Postgres.AuditConnectionString, record!.StreamId));
        Assert.Equal("sealed", (string?)verdict["status"]);
        Assert.Equal(1, (int?)verdict["events"]);
        Assert.Equal("login refused: the token has expired", (string?)verdict["detail"]);
    }

    [Fact]
    public async Task The_watched_target_sees_a_token_session_s_upstream_connection()
    {
        // The other side of "nothing goes upstream": an accepted token's session does reach it.
        var application = "accepted-" + Guid.NewGuid().ToString("N")[..8];
        var connection = new NpgsqlConnectionStringBuilder(TokenConnection("gil", Ending.Mint("gil"), "watched")) { ApplicationName = application };
        await using var client = new NpgsqlConnection(connection.ConnectionString);
        await client.OpenAsync();

        Assert.Contains(_upstream!.Sent(), bytes => Encoding.UTF8.GetString(bytes).Contains(application, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_session_ends_with_57P01_when_its_token_expires_unless_the_issuer_lets_it_outlive_the_token()
    {
        await using var ending = new NpgsqlConnection(TokenConnection("hal", Ending.Mint("hal", lifetime: TimeSpan.FromSeconds(4))));
        await using var outliving = new NpgsqlConnection(TokenConnection("hal", Outliving.Mint("hal", ["db-readers"], lifetime: TimeSpan.FromSeconds(4))));
        await ending.OpenAsync();
        await outliving.OpenAsync();
        Assert.Equal(1, await ending.ScalarIntAsync("SELECT 1"));

        await Task.Delay(TimeSpan.FromSeconds(6));

        var ended = await Assert.ThrowsAsync<PostgresException>(() => ending.ScalarIntAsync("SELECT 2"));
        Assert.Equal("57P01", ended.SqlState);
        Assert.Contains("token of user \"hal\" expired", ended.MessageText, StringComparison.Ordinal);
        Assert.Equal(3, await outliving.ScalarIntAsync("SELECT 3"));
    }

    private string TokenFor(string kind) => kind switch
    {
        "expired" => Ending.Mint("gil", lifetime: TimeSpan.FromMinutes(-2)),
        "not-yet-valid" => Ending.Mint("gil", lifetime: TimeSpan.FromMinutes(30), notBefore: DateTime.UtcNow.AddMinutes(10)),
        "wrong-issuer" => Ending.Mint("gil", issuer: "https://issuer.example.com/"),
        "wrong-audience" => Ending.Mint("gil", audience: "another-service"),
        "bad-signature" => Tampered(Ending.Mint("gil")),
        "alg-none" => Ending.Forge("gil", new JsonObject { ["alg"] = "none", ["typ"] = "JWT" }, _ => []),
        // The classic confusion: HMAC keyed with the issuer's public key, which anybody can fetch.
        "hs256-with-public-key" => Ending.Forge("gil", new JsonObject { ["alg"] = "HS256", ["typ"] = "JWT", ["kid"] = Ending.Rsa.Kid },
            data => HMACSHA256.HashData(Encoding.ASCII.GetBytes(Ending.Rsa.Jwk.ToJsonString()), data)),
        "rs384-not-allowed" => Ending.Forge("gil", new JsonObject { ["alg"] = "RS384", ["typ"] = "JWT", ["kid"] = Ending.Rsa.Kid },
            data => ((System.Security.Cryptography.RSA)((Microsoft.IdentityModel.Tokens.RsaSecurityKey)Ending.Rsa.Key).Rsa)
                .SignData(data, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1)),
        "unknown-kid" => Ending.Mint("gil", key: TestIssuer.NewRsaKey("never-published")),
        "another-user" => Ending.Mint("someone-else"),
        "not-a-token" => "just-a-password",
        "plain-connection" => Ending.Mint("gil"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var signature = parts[2].ToCharArray();
        signature[10] = signature[10] == 'A' ? 'B' : 'A';
        return $"{parts[0]}.{parts[1]}.{new string(signature)}";
    }

    private string TokenConnection(string user, string token, string database = "main") =>
        Gateway.ConnectionString(user, token, database, b =>
        {
            b.SslMode = SslMode.Require;
            b.ApplicationName = "token-" + Guid.NewGuid().ToString("N")[..8];
        });

    private static string ClaimOf(string token, string claim) =>
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).GetPayloadValue<object>(claim).ToString()!;


    private async Task<RecordedEvent?> RefusalOfAsync(string application)
    {
        await using var audit = new NpgsqlConnection(Postgres.AuditConnectionString);
        await audit.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT stream_id, version, type, data::text FROM og_audit.mt_events WHERE type = 'login_refused' AND data ->> 'ApplicationName' = @application",
            audit);
        command.Parameters.AddWithValue("application", application);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        using var document = System.Text.Json.JsonDocument.Parse(reader.GetString(3));
        return new RecordedEvent(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), document.RootElement.Clone(), null);
    }
}
