using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// DDL in an open transaction, invisible to the catalog's own connection, then a read of what it
/// made: masked or refused, never clear. One attempt at a time (ALTER TABLE locks customers), with
/// a short decision timeout, since the catalog's read waits for that lock.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class UncommittedDdlCorpusTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        configuration.Section("Proxy")["DecisionTimeout"] = "00:00:02";
    }

    [Fact]
    public async Task Psql_gets_no_secret() =>
        BypassCorpusTests.AssertHeld(await BypassPaths.RunAllAsync(BypassCorpus.UncommittedDdl,
            a => BypassPaths.PsqlAsync(a, Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main")), parallelism: 1));

    [Fact]
    public async Task Npgsql_gets_no_secret() =>
        BypassCorpusTests.AssertHeld(await BypassPaths.RunAllAsync(BypassCorpus.UncommittedDdl,
            a => BypassPaths.NpgsqlAsync(a, Gateway.Port, port => ViaGateway(b => b.Port = port)), parallelism: 1));

    [Fact]
    public async Task The_extended_protocol_gets_no_secret() =>
        BypassCorpusTests.AssertHeld(await BypassPaths.RunAllAsync(BypassCorpus.UncommittedDdl, a => BypassPaths.ExtendedAsync(a, Gateway.Port), parallelism: 1));
}
