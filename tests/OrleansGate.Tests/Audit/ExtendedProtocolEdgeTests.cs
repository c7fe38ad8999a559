using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// Extended-protocol sequences where the server does not answer one ReadyForQuery per Sync, or
/// where a client's names could drift from the server's. Raw bytes, as libpq and others send them.
/// </summary>
public sealed class ExtendedProtocolEdgeTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    [Fact]
    public async Task Copy_in_through_the_extended_protocol_keeps_later_refusals_in_their_place()
    {
        await ExecuteDirectAsync("TRUNCATE touches; CREATE TABLE IF NOT EXISTS copied (note text)");
        // bob may insert (alice, an analyst, may not: COPY … FROM is an Insert).
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("bob", GatewayConfig.BobPassword, "main");

        // As libpq's PQexecParams does it: Parse/Bind/Execute/Sync, then the data; the server
        // ignores that Sync while in COPY-IN and answers one ReadyForQuery after CopyDone + Sync.
        await raw.SendAsync(b =>
        {
            b.ParseFrame(statement: string.Empty, sql: "COPY touches (note) FROM STDIN");
            b.BindFrame(statement: string.Empty);
            b.ExecuteFrame();
            b.SyncFrame();
        });
        await raw.SendAsync(b =>
        {
            b.Start((byte)'d').WriteBytes("copied-in\n"u8).Finish();
            b.Start((byte)'c').Finish();
            b.SyncFrame();
        });
        var copy = await raw.ReadUntilReadyAsync();
        Assert.DoesNotContain(copy, m => m.Type == 'E');

        // The next refusal (a built-in rule, for everyone) must come with its own request, not one request late.
        await raw.QueryAsync("DO $$ BEGIN DELETE FROM secrets; END $$");
        var refused = await raw.ReadUntilReadyAsync();
        Assert.Equal("42501", RawClient.Error(Assert.Single(refused, m => m.Type == 'E')).SqlState);
        await raw.QueryAsync("SELECT 1");
        Assert.DoesNotContain(await raw.ReadUntilReadyAsync(), m => m.Type == 'E');
        Assert.Equal(["copied-in"], await TouchesAsync());
        Assert.Equal(10, await SecretsLeftAsync());
        await ExecuteDirectAsync("TRUNCATE touches");
    }

    [Fact]
    public async Task Parsing_an_existing_statement_name_is_refused_as_the_server_would()
    {
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");
        await raw.SendAsync(b =>
        {
            b.ParseFrame(statement: "s", sql: "SELECT 111");
            b.SyncFrame();
        });
        await raw.ReadUntilReadyAsync();

        await raw.SendAsync(b =>
        {
            b.ParseFrame(statement: "s", sql: "SELECT 222");
            b.SyncFrame();
        });
        var duplicate = await raw.ReadUntilReadyAsync();

        Assert.Equal("42P05", RawClient.Error(Assert.Single(duplicate, m => m.Type == 'E')).SqlState);
    }

    [Fact]
    public async Task A_statement_the_server_skipped_after_an_error_is_not_known_to_the_gateway_either()
    {
        var application = "skipped-" + Token();
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main", [new("application_name", application)]);

        // The Execute fails, so the server skips the Parse of "later" up to the Sync.
        await raw.SendAsync(b =>
        {
            b.ParseFrame(statement: string.Empty, sql: "SELECT 1/0");
            b.BindFrame(statement: string.Empty);
            b.ExecuteFrame();
            b.ParseFrame(statement: "later", sql: "SELECT 'never parsed upstream'");
            b.SyncFrame();
        });
        Assert.Equal("22012", RawClient.Error(Assert.Single(await raw.ReadUntilReadyAsync(), m => m.Type == 'E')).SqlState);

        await raw.SendAsync(b =>
        {
            b.BindFrame(statement: "later");
            b.ExecuteFrame();
            b.SyncFrame();
        });
        var unknown = await raw.ReadUntilReadyAsync();

        // The gateway answers as the server would, and does not record an Execute of SQL that does not exist upstream.
        Assert.Equal("26000", RawClient.Error(Assert.Single(unknown, m => m.Type == 'E')).SqlState);
        await raw.DisposeAsync();
        var executes = (await AuditRecord.ReadAsync(Postgres)).Where(e => e.IsReceived
            && e.Text("Sql").Contains("never parsed upstream", StringComparison.Ordinal) && e.Text("Phase") == "Execute");
        Assert.Empty(executes);
    }

    [Fact]
    public async Task A_query_after_flush_without_sync_ends_the_session_instead_of_losing_count()
    {
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");

        await raw.SendAsync(b =>
        {
            b.ParseFrame(statement: string.Empty, sql: "SELECT 1/0");
            b.BindFrame(statement: string.Empty);
            b.ExecuteFrame();
            b.Start((byte)'H').Finish();
            b.Start((byte)'Q').WriteCString("SELECT 2").Finish();
        });
        var replies = await raw.ReadToEndAsync();

        var fatal = RawClient.Error(replies.Last(m => m.Type == 'E'));
        Assert.Equal("08P01", fatal.SqlState);
        Assert.Contains("after Flush without Sync", fatal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_query_inside_an_unsynced_batch_ends_the_session_before_anything_goes_upstream()
    {
        var note = "inside-" + Token();
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");

        // The server would skip the Query after the failing Execute (up to the Sync), while the
        // gateway counted a ReadyForQuery for it: from then on every reply one statement late.
        await raw.SendAsync(b =>
        {
            b.ParseFrame(statement: string.Empty, sql: "SELECT 1/0");
            b.BindFrame(statement: string.Empty);
            b.ExecuteFrame();
            b.Start((byte)'Q').WriteCString($"SELECT touch('{note}')").Finish();
            b.SyncFrame();
        });
        var replies = await raw.ReadToEndAsync();

        var fatal = RawClient.Error(replies.Last(m => m.Type == 'E'));
        Assert.Equal("08P01", fatal.SqlState);
        Assert.Contains("before its Sync", fatal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(note, await TouchesAsync());
    }
}
