using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// Prepared statements and cursors: PostgreSQL keeps them in two namespaces that SQL and the
/// protocol share, makes a name only when the server succeeds, and drops names on DEALLOCATE,
/// CLOSE, DISCARD and at the end of a transaction. Each test is a way the gateway could run one
/// statement while masking for another; each would put a secret on the wire if the gateway kept
/// one map, kept names the server refused, or never forgot.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class NameResolutionTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    private const string Masked = "SELECT ssn || '' AS s, name FROM customers ORDER BY id";
    private const string Clean = "SELECT 'x'::text AS s, name FROM customers ORDER BY id";

    [Fact]
    public async Task A_cursor_and_a_prepared_statement_of_the_same_name_are_told_apart()
    {
        await using var raw = await LoginAsync();

        var replies = await QueryAsync(raw, $"PREPARE p AS {Masked}; DECLARE p CURSOR WITH HOLD FOR {Clean}; EXECUTE p");

        Assert.DoesNotContain(replies, m => m.Type == 'E');
        Assert.Equal(3, replies.Count(m => m.Type == 'D'));
        Assert.True(RawClient.Contains(raw.Received, "Ann"));
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task A_prepare_the_server_refused_does_not_replace_the_statement_it_has()
    {
        await using var raw = await LoginAsync();
        await QueryAsync(raw, $"PREPARE p AS {Masked}");

        var duplicate = await QueryAsync(raw, $"PREPARE p AS {Clean}");
        Assert.Equal("42P05", RawClient.Error(Assert.Single(duplicate, m => m.Type == 'E')).SqlState);
        var executed = await QueryAsync(raw, "EXECUTE p");

        Assert.Equal(3, executed.Count(m => m.Type == 'D'));
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task A_name_dropped_and_made_again_runs_what_it_holds_now()
    {
        await using var raw = await LoginAsync();

        await QueryAsync(raw, $"PREPARE p AS {Clean}; DECLARE c CURSOR WITH HOLD FOR {Clean}");
        await QueryAsync(raw, $"DEALLOCATE p; CLOSE c; PREPARE p AS {Masked}; DECLARE c CURSOR WITH HOLD FOR {Masked}");
        var executed = await QueryAsync(raw, "EXECUTE p; FETCH ALL FROM c");
        await QueryAsync(raw, $"DISCARD ALL");
        await QueryAsync(raw, $"PREPARE p AS {Masked}");
        var again = await QueryAsync(raw, "EXECUTE p");

        Assert.Equal(6, executed.Count(m => m.Type == 'D'));
        Assert.Equal(3, again.Count(m => m.Type == 'D'));
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task A_protocol_portal_gone_with_its_transaction_is_not_taken_for_a_cursor_of_that_name()
    {
        await using var raw = await LoginAsync();

        // A portal "c" for the clean statement; the implicit transaction ends at Sync and takes it.
        await raw.SendAsync(b =>
        {
            b.Start((byte)'P').WriteCString("clean").WriteCString(Clean).WriteInt16(0).Finish();
            b.Start((byte)'B').WriteCString("c").WriteCString("clean").WriteInt16(0).WriteInt16(0).WriteInt16(0).Finish();
            b.Start((byte)'S').Finish();
        });
        await raw.ReadUntilReadyAsync();
        await QueryAsync(raw, $"DECLARE c CURSOR WITH HOLD FOR {Masked}");

        // The protocol's Execute of "c" runs the cursor.
        await raw.SendAsync(b =>
        {
            b.Start((byte)'E').WriteCString("c").WriteInt32(0).Finish();
            b.Start((byte)'S').Finish();
        });
        var fetched = await raw.ReadUntilReadyAsync();

        Assert.DoesNotContain(fetched, m => m.Type == 'E');
        Assert.Equal(3, fetched.Count(m => m.Type == 'D'));
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task Sql_and_the_protocol_share_prepared_statements()
    {
        await using var raw = await LoginAsync();

        // Parsed through the protocol, executed with SQL.
        await raw.SendAsync(b =>
        {
            b.Start((byte)'P').WriteCString("s1").WriteCString(Masked).WriteInt16(0).Finish();
            b.Start((byte)'S').Finish();
        });
        await raw.ReadUntilReadyAsync();
        var sqlExecute = await QueryAsync(raw, "EXECUTE s1");

        // Prepared with SQL, bound and executed through the protocol.
        await QueryAsync(raw, $"PREPARE p2 AS {Masked}");
        await raw.SendAsync(b =>
        {
            b.Start((byte)'B').WriteCString(string.Empty).WriteCString("p2").WriteInt16(0).WriteInt16(0).WriteInt16(0).Finish();
            b.Start((byte)'E').WriteCString(string.Empty).WriteInt32(0).Finish();
            b.Start((byte)'S').Finish();
        });
        var protocolExecute = await raw.ReadUntilReadyAsync();

        Assert.Equal(3, sqlExecute.Count(m => m.Type == 'D'));
        Assert.Equal(3, protocolExecute.Count(m => m.Type == 'D'));
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task A_cursor_of_a_rolled_back_savepoint_is_refused_until_it_is_declared_again()
    {
        await using var raw = await LoginAsync();

        var replies = await QueryAsync(raw, $"BEGIN; SAVEPOINT s; DECLARE c CURSOR FOR {Masked}; ROLLBACK TO SAVEPOINT s");
        Assert.DoesNotContain(replies, m => m.Type == 'E');
        var fetch = await QueryAsync(raw, "FETCH ALL FROM c");
        var error = RawClient.Error(Assert.Single(fetch, m => m.Type == 'E'));
        await QueryAsync(raw, "ROLLBACK");

        Assert.Equal("34000", error.SqlState);
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task A_pipelined_execute_after_a_prepare_that_may_fail_is_refused_rather_than_guessed()
    {
        await using var raw = await LoginAsync();
        await QueryAsync(raw, $"PREPARE p AS {Masked}");

        // Three Query messages in one write: the second PREPARE fails on the server (p exists), so
        // the EXECUTE would run the masked p; the gateway cannot know which yet and refuses it.
        await raw.SendAsync(b =>
        {
            b.Start((byte)'Q').WriteCString($"PREPARE p AS {Clean}").Finish();
            b.Start((byte)'Q').WriteCString("EXECUTE p").Finish();
        });
        var prepare = await raw.ReadUntilReadyAsync();
        var execute = await raw.ReadUntilReadyAsync();

        Assert.Equal("42P05", RawClient.Error(Assert.Single(prepare, m => m.Type == 'E')).SqlState);
        Assert.True(execute.Count(m => m.Type == 'D') == 3 || RawClient.Error(Assert.Single(execute, m => m.Type == 'E')).SqlState == "26000");
        Assert.Empty(BypassPaths.LeaksIn(raw.Received));
    }

    [Fact]
    public async Task An_unknown_name_is_refused_and_recorded()
    {
        var application = "names-" + Guid.NewGuid().ToString("N")[..8];
        await using var raw = await LoginAsync(application);

        var execute = await QueryAsync(raw, "EXECUTE never_prepared");
        var fetch = await QueryAsync(raw, "FETCH ALL FROM never_declared");
        await raw.SendAsync(b =>
        {
            b.Start((byte)'E').WriteCString("never_bound").WriteInt32(0).Finish();
            b.Start((byte)'S').Finish();
        });
        var portal = await raw.ReadUntilReadyAsync();

        Assert.Equal("26000", RawClient.Error(Assert.Single(execute, m => m.Type == 'E')).SqlState);
        Assert.Equal("34000", RawClient.Error(Assert.Single(fetch, m => m.Type == 'E')).SqlState);
        Assert.Equal("34000", RawClient.Error(Assert.Single(portal, m => m.Type == 'E')).SqlState);
        var session = await AuditRecord.SessionOfApplicationAsync(Postgres, application);
        var received = session.Where(e => e.IsReceived).ToDictionary(e => e.Sequence, e => e.Text("Sql"));
        var refusals = session.Where(e => e.IsDecision).Select(e => (Sql: received[e.Sequence], Rule: e.Text("Rule"))).ToList();
        Assert.Contains(("EXECUTE never_prepared", "names:unknown-statement"), refusals);
        Assert.Contains(("FETCH ALL FROM never_declared", "names:unknown-portal"), refusals);
        Assert.Contains(("-- Execute of portal \"never_bound\"", "names:unknown-portal"), refusals);
    }

    private async Task<RawClient> LoginAsync(string? application = null)
    {
        var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main",
            application is null ? null : [new KeyValuePair<string, string>("application_name", application)]);
        return raw;
    }

    private static async Task<List<(char Type, byte[] Payload)>> QueryAsync(RawClient raw, string sql)
    {
        await raw.QueryAsync(sql);
        return await raw.ReadUntilReadyAsync();
    }
}
