using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// The bypass corpus through psql, Npgsql and the extended protocol: no form of a seeded secret
/// reaches the client, and each attempt gets the rows or the refusal it expects.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class BypassCorpusTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    protected override string SetUpDatabaseSql => base.SetUpDatabaseSql + BypassCorpus.SetUpSql;

    [Fact]
    public async Task Psql_gets_no_secret() =>
        AssertHeld(await BypassPaths.RunAllAsync(BypassCorpus.Attempts,
            a => BypassPaths.PsqlAsync(a, Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"))));

    [Fact]
    public async Task Npgsql_gets_no_secret()
    {
        await using var tees = new LoopbackTees(Gateway.Port);
        AssertHeld(await BypassPaths.RunAllAsync(BypassCorpus.Attempts,
            a => BypassPaths.NpgsqlAsync(a, tees, port => ViaGateway(b => b.Port = port))));
    }

    [Fact]
    public async Task The_extended_protocol_gets_no_secret() =>
        AssertHeld(await BypassPaths.RunAllAsync(BypassCorpus.Attempts, a => BypassPaths.ExtendedAsync(a, Gateway.Port)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_portal_read_a_row_at_a_time_stays_masked(bool binary)
    {
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");

        // Execute with a row limit: PortalSuspended after each row, then the rest; no Describe from the client.
        await raw.SendAsync(b =>
        {
            b.Start((byte)'P').WriteCString("s1").WriteCString("SELECT name, ssn, email || '' AS e, card_number FROM customers ORDER BY id").WriteInt16(0).Finish();
            b.Start((byte)'B').WriteCString("p1").WriteCString("s1").WriteInt16(0).WriteInt16(0).WriteInt16(1).WriteInt16(binary ? (short)1 : (short)0).Finish();
            b.Start((byte)'E').WriteCString("p1").WriteInt32(1).Finish();
            b.Start((byte)'E').WriteCString("p1").WriteInt32(1).Finish();
            b.Start((byte)'E').WriteCString("p1").WriteInt32(0).Finish();
            b.Start((byte)'S').Finish();
        });
        var replies = await raw.ReadUntilReadyAsync();

        Assert.Equal(3, replies.Count(m => m.Type == 'D'));
        Assert.Equal(2, replies.Count(m => m.Type == 's'));
        Assert.True(RawClient.Contains(raw.Received, "Ann") && RawClient.Contains(raw.Received, "Cy"));
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    internal static void AssertHeld(List<string> reports) =>
        Assert.True(reports.Count == 0, $"{reports.Count} attempt(s) failed:\n" + string.Join("\n", reports));
}
