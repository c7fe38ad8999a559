using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// The bypass corpus through psql, Npgsql and the extended protocol: no form of a seeded secret
/// reaches the client, and each attempt gets the rows or the refusal it expects.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BypassCorpusTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    protected override string SetUpDatabaseSql => base.SetUpDatabaseSql + BypassCorpus.SetUpSql;

    [Fact]
    public async Task Psql_gets_no_secret() =>
        AssertHeld(await BypassPaths.RunAllAsync(BypassCorpus.Attempts,
            a => BypassPaths.PsqlAsync(a, Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"))));

    [Fact]
    public async Task Npgsql_gets_no_secret() =>
        AssertHeld(await BypassPaths.RunAllAsync(BypassCorpus.Attempts,
            a => BypassPaths.NpgsqlAsync(a, Gateway.Port, port => ViaGateway(b => b.Port = port))));

    [Fact]
    public async Task The_extended_protocol_gets_no_secret() =>
        AssertHeld(await BypassPaths.RunAllAsync(BypassCorpus.Attempts, a => BypassPaths.ExtendedAsync(a, Gateway.Port)));

    internal static void AssertHeld(List<string> reports) =>
        Assert.True(reports.Count == 0, $"{reports.Count} attempt(s) failed:\n" + string.Join("\n", reports));
}
