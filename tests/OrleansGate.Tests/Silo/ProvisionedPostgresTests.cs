using Npgsql;
using OrleansGate.Demo.Provisioning;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo;

/// <summary>
/// The provisioning steps used when the tests run against a given server (ORLEANSGATE_TEST_PG)
/// or a container, exercised here against the local cluster through the same superuser path.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ProvisionedPostgresTests(PostgresFixture postgres)
{
    // Regression: COPY takes no bind parameters, so the hba lines once failed with
    // "42P02: there is no parameter $1" on every server but the local cluster.
    [Fact]
    public async Task Hba_rules_are_prepended_through_the_superuser_connection()
    {
        var server = new ExternalPostgres(postgres.Server.AdminConnectionString);
        const string comment = "# added by ProvisionedPostgresTests, it's harmless";

        await server.AddHbaRulesAsync([comment]);

        await using var admin = await postgres.OpenAdminAsync();
        await using var read = new NpgsqlCommand("SELECT pg_read_file(current_setting('hba_file'))", admin);
        var hba = (string)(await read.ExecuteScalarAsync())!;
        Assert.StartsWith(comment + "\n", hba, StringComparison.Ordinal);
        Assert.Contains($"host all {PostgresFixture.Md5User} 127.0.0.1/32 md5", hba, StringComparison.Ordinal);
    }
}
