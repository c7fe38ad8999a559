using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// DDL in an open transaction, invisible to the catalog's own connection, then a read of what it
/// made: masked or refused, never clear. One attempt at a time (ALTER TABLE locks customers), with
/// a short decision timeout, since the catalog's read waits for that lock.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
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

    [Fact]
    public async Task A_pipelined_view_is_masked_before_its_creation_completes()
    {
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");

        // Both requests in one write: the second is decided before the first has run upstream.
        await raw.SendAsync(b =>
        {
            foreach (var sql in new[] { "CREATE TEMP VIEW pv AS SELECT name, ssn AS s, email AS e FROM customers", "SELECT * FROM pv" })
            {
                b.Start((byte)'P').WriteCString(string.Empty).WriteCString(sql).WriteInt16(0).Finish();
                b.Start((byte)'B').WriteCString(string.Empty).WriteCString(string.Empty).WriteInt16(0).WriteInt16(0).WriteInt16(0).Finish();
                b.Start((byte)'E').WriteCString(string.Empty).WriteInt32(0).Finish();
                b.Start((byte)'S').Finish();
            }
        });
        var replies = (await raw.ReadUntilReadyAsync()).Concat(await raw.ReadUntilReadyAsync()).ToList();

        Assert.Equal(3, replies.Count(m => m.Type == 'D'));
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task A_renamed_masked_column_stays_masked()
    {
        try
        {
            var report = await BypassPaths.NpgsqlAsync(
                new BypassAttempt("committed-rename", ["ALTER TABLE customers RENAME COLUMN ssn TO x", "SELECT name, x, x || '' FROM customers"], Expect.Rows),
                Gateway.Port, port => ViaGateway(b => b.Port = port));
            Assert.Null(report);
        }
        finally
        {
            await ExecuteDirectAsync("ALTER TABLE customers RENAME COLUMN x TO ssn");
        }
    }
}
