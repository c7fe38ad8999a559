using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Authentication;

/// <summary>
/// An identity configured with a SCRAM verifier instead of a password: the verifier is taken
/// from PostgreSQL's own pg_authid, as docs/configuration.md tells operators to do, so the
/// gateway is checked against an independent implementation.
/// </summary>
public sealed class StoredVerifierLoginTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    private const string DavePassword = "dave-pässword";
    private string _verifier = string.Empty;

    public override async Task InitializeAsync()
    {
        _verifier = await VerifierFromPostgresAsync(DavePassword);
        await base.InitializeAsync();
    }

    protected override void Configure(JsonObject configuration)
    {
        var dave = new JsonObject
        {
            ["Name"] = "dave",
            ["ScramVerifier"] = _verifier,
            ["Groups"] = new JsonArray("analysts"),
        };
        ((JsonArray)configuration["OrleansGate"]!["Identities"]!).Add(dave);
    }

    [Fact]
    public async Task The_identity_logs_in_with_its_password_and_runs_a_query()
    {
        Assert.StartsWith("SCRAM-SHA-256$4096:", _verifier, StringComparison.Ordinal);
        await using var connection = new NpgsqlConnection(Gateway.ConnectionString("dave", DavePassword, "main"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT 6 * 7", connection);

        Assert.Equal(42, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_wrong_password_for_the_identity_gets_28P01()
    {
        await using var connection = new NpgsqlConnection(Gateway.ConnectionString("dave", "dave-wrong", "main"));

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("28P01", error.SqlState);
    }

    private async Task<string> VerifierFromPostgresAsync(string password)
    {
        await using var admin = await Postgres.OpenAdminAsync();
        await PostgresFixture.ExecuteAsync(admin, $"""
            DROP ROLE IF EXISTS og_verifier_source;
            SET password_encryption = 'scram-sha-256';
            CREATE ROLE og_verifier_source NOLOGIN PASSWORD '{password}';
            """);
        await using var read = new NpgsqlCommand("SELECT rolpassword FROM pg_authid WHERE rolname = 'og_verifier_source'", admin);
        var verifier = (string)(await read.ExecuteScalarAsync())!;
        await PostgresFixture.ExecuteAsync(admin, "DROP ROLE og_verifier_source");
        return verifier;
    }
}
