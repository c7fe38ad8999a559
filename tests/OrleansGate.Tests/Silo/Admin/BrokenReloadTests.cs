using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// A configuration file made invalid while the gateway runs (an approver's ApiToken cut to 5
/// characters) is refused as a whole: logins (passwords and OIDC tokens), masking and the admin API's tokens all stay on the
/// configuration in force, and a later sound edit takes effect for all of them at once.
/// </summary>
public sealed class BrokenReloadTests(PostgresFixture postgres) : AdminTestBase(postgres)
{
    private const string NewBobToken = "bob-api-token-000002";

    private static readonly TestIssuer Issuer = new();
    private static readonly TestCertificate Certificate = TestCertificate.Create();

    protected override bool WatchesConfigFile => true;

    protected override string SetUpDatabaseSql => """
        CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, ssn text);
        INSERT INTO customers VALUES (1, 'Ann', '123-45-6789'), (2, 'Bob', '987-65-4321');
        """;

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        configuration.Section("Proxy")["Tls"] = Certificate.TlsSection(TestCertificateForm.PemWithSeparateKey);
        configuration["OrleansGate"]!["Oidc"] = new JsonArray(Issuer.Options());
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "shop",
              "Masks": [ { "Column": "public.customers.ssn", "Strategy": "Redact" } ],
              "Rules": [ { "Name": "hold-copy-out", "Kinds": ["CopyTo"], "Action": "Hold", "ApproverGroups": ["approvers"] } ] }
            """);
    }

    [Fact]
    public async Task Logins_masking_and_api_tokens_stay_on_the_configuration_in_force_after_a_broken_reload_and_follow_a_good_one()
    {
        var configuration = (JsonObject)JsonNode.Parse(await File.ReadAllTextAsync(WatchedConfigFile))!;
        var identities = (JsonArray)configuration["OrleansGate"]!["Identities"]!;
        var bob = identities.OfType<JsonObject>().Single(i => (string?)i["Name"] == "bob");
        var bobIndex = identities.IndexOf(bob);
        identities.Add(GatewayConfig.Identity("dave", "dave-secret", "analysts"));
        bob["ApiToken"] = "short";
        var issuer = (JsonObject)configuration["OrleansGate"]!["Oidc"]![0]!;
        issuer["Audience"] = "renamed-audience";
        Assert.Null(await TokenLoginFailureAsync(TestIssuer.Audience));

        await ConfigReload.RewriteAndWaitForRefusalAsync(Gateway, WatchedConfigFile, configuration, $"Identities:{bobIndex}:ApiToken");

        await AssertMaskedReadAsync();
        Assert.Null(await TokenLoginFailureAsync(TestIssuer.Audience)); // the issuer in force is the previous one
        Assert.Equal("28000", await TokenLoginFailureAsync("renamed-audience"));
        // The refused file's identity is not in force: with an issuer configured, an unknown name
        // logs in with a token, and dave's password is none.
        Assert.Equal("28000", await LoginFailureAsync("dave", "dave-secret"));
        await AssertApprovesAsync(BobToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Admin("short").GetAsync("approvals")).StatusCode);

        bob["ApiToken"] = NewBobToken;
        await ConfigReload.RewriteAndWaitAsync(Gateway, WatchedConfigFile, configuration);

        await AssertMaskedReadAsync();
        Assert.Null(await LoginFailureAsync("dave", "dave-secret"));
        Assert.Null(await TokenLoginFailureAsync("renamed-audience"));
        Assert.Equal("28000", await TokenLoginFailureAsync(TestIssuer.Audience));
        await AssertApprovesAsync(NewBobToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Admin(BobToken).GetAsync("approvals")).StatusCode);
    }

    /// <summary>alice logs in with psql (SCRAM) and reads the masked column: masked, never clear.</summary>
    private async Task AssertMaskedReadAsync()
    {
        var psql = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"),
            ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", "SELECT name, ssn FROM customers ORDER BY id"]);
        Assert.True(psql.ExitCode == 0, psql.Output);
        var rows = psql.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, rows.Length);
        Assert.All(rows, row => Assert.DoesNotMatch(@"\d{3}-\d{2}-\d{4}", row));
        Assert.StartsWith("Ann|", rows[0], StringComparison.Ordinal);
    }

    /// <summary>The SQLSTATE of a failed Npgsql login, or null when it logs in.</summary>
    private async Task<string?> LoginFailureAsync(string user, string password)
    {
        try
        {
            await using var connection = new NpgsqlConnection(Gateway.ConnectionString(user, password, "main", b => b.SslMode = SslMode.Require));
            await connection.OpenAsync();
            return null;
        }
        catch (PostgresException e)
        {
            return e.SqlState;
        }
    }

    /// <summary>The SQLSTATE of a failed token login (Npgsql over TLS) with a token for <paramref name="audience"/>, or null when it logs in.</summary>
    private async Task<string?> TokenLoginFailureAsync(string audience)
    {
        try
        {
            await using var connection = new NpgsqlConnection(Gateway.ConnectionString("tess", Issuer.Mint("tess", audience: audience), "main",
                b => b.SslMode = SslMode.Require));
            await connection.OpenAsync();
            return null;
        }
        catch (PostgresException e)
        {
            return e.SqlState;
        }
    }

    private async Task AssertApprovesAsync(string token)
    {
        var request = await OpenRequestAsync();
        var approved = await Admin(token).PostAsync($"approvals/{request.Id}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal("granted", (await JsonOf(approved)).GetProperty("status").GetString());
    }
}
