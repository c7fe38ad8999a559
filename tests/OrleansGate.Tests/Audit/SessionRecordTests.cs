using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>What an auditor finds in a session's stream: who, where, every statement, every decision and its rule, the end.</summary>
public sealed class SessionRecordTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    [Fact]
    public async Task A_session_stream_holds_its_start_statements_decisions_and_end()
    {
        var application = "record-" + Token();
        await using (var connection = await OpenViaGatewayAsync(b => b.ApplicationName = application))
        {
            await using var select = new NpgsqlCommand("SELECT count(*) FROM secrets WHERE id > @min", connection);
            select.Parameters.AddWithValue("min", 3);
            Assert.Equal(7L, await select.ExecuteScalarAsync());
            await using var delete = new NpgsqlCommand("DELETE FROM secrets", connection);
            await Assert.ThrowsAsync<PostgresException>(() => delete.ExecuteNonQueryAsync());
        }

        var recorded = await WaitForEndAsync(application);
        var all = recorded.Where(e => e.Type != "statement_completed").ToList();
        // Npgsql reads the server version and its types first; the test's own statements follow.
        var ours = all.FindIndex(e => e.IsReceived && e.Text("Sql").Contains("FROM secrets", StringComparison.Ordinal));
        var stream = all.Take(1).Concat(all.Skip(ours)).ToList();
        var before = ours - 1;

        // One event per statement: what arrived and what was decided, in one row.
        Assert.Equal(["session_started", "statement_decided", "statement_decided", "session_ended"], stream.Select(e => e.Type));
        var started = stream[0];
        Assert.Equal("alice", started.Text("Identity"));
        Assert.Equal("main", started.Text("Target"));
        Assert.Equal(["analysts"], started.Data.GetProperty("Groups").EnumerateArray().Select(g => g.GetString()));

        Assert.Equal("SELECT count(*) FROM secrets WHERE id > $1", stream[1].Text("Sql"));
        Assert.Equal("Execute", stream[1].Text("Phase"));
        Assert.Equal(["3"], stream[1].Data.GetProperty("Parameters").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["secrets"], stream[1].Data.GetProperty("RelationsRead").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("Allow", stream[1].Text("Action"));
        Assert.Equal("default:allow", stream[1].Text("Rule"));

        Assert.Equal("Delete", stream[2].Text("Kind"));
        Assert.Equal("Block", stream[2].Text("Action"));
        Assert.Equal("analysts-read-only", stream[2].Text("Rule"));
        Assert.Equal("42501", stream[2].Text("SqlState"));
        Assert.Equal([before + 1L, before + 2L], stream.Skip(1).Take(2).Select(e => e.Sequence));
        Assert.All(all.Skip(1).SkipLast(1), e => Assert.Equal("statement_decided", e.Type));
        // SessionStarted is at version 2 (it names its proxy, which the sweeper needs); the others at 1,
        // but the per-statement row, which carries neither a schema version nor its stream's id.
        Assert.All(recorded.Where(e => e.Type != "statement_decided"),
            e => Assert.Equal(e.Type == "session_started" ? 2 : 1, e.Data.GetProperty("SchemaVersion").GetInt32()));
        Assert.All(recorded.Where(e => e.Type == "statement_decided"),
            e => Assert.False(e.Data.TryGetProperty("SchemaVersion", out _) || e.Data.TryGetProperty("SessionId", out _), e.Data.GetRawText()));
        Assert.StartsWith(System.Net.Dns.GetHostName() + "/" + Environment.ProcessId + "/", started.Text("Proxy"), StringComparison.Ordinal);

        // How the allowed statement ended upstream is recorded too, carried by the next decision
        // (the DELETE's row); the blocked one never ran.
        var completions = recorded.Completions();
        var completed = Assert.Single(completions, c => c.Sequence == before + 1);
        Assert.Equal(stream[2].Version, completed.Version);
        Assert.Equal("Completed", completed.Text("Outcome"));
        Assert.Equal("SELECT 1", completed.Text("CommandTag"));
        Assert.DoesNotContain(completions, c => c.Sequence == before + 2);
    }

    [Fact]
    public async Task Outcomes_say_which_statement_of_a_batch_failed_and_which_never_ran()
    {
        var application = "outcomes-" + Token();
        await using (var raw = await RawClient.ConnectAsync(Gateway.Port))
        {
            await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main", [new("application_name", application)]);
            await raw.QueryAsync("SELECT id FROM secrets WHERE id <= 3; SELECT 1/0; SELECT 2");
            await raw.ReadUntilReadyAsync();
        }

        var stream = await WaitForEndAsync(application);
        var outcomes = stream.Completions().OrderBy(e => e.Sequence).ToList();

        Assert.Equal(["Completed", "Failed", "NotRun"], outcomes.Select(o => o.Text("Outcome")));
        Assert.Equal("SELECT 3", outcomes[0].Text("CommandTag"));
        Assert.Equal(3, outcomes[0].Data.GetProperty("Rows").GetInt64());
        Assert.Equal("22012", outcomes[1].Text("SqlState"));
        Assert.Equal([1L, 2L, 3L], outcomes.Select(o => o.Sequence));
    }

    [Fact]
    public async Task The_other_statements_of_a_refused_batch_are_recorded_as_refused_because_of_it()
    {
        var application = "batch-" + Token();
        await using (var raw = await RawClient.ConnectAsync(Gateway.Port))
        {
            await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main", [new("application_name", application)]);
            await raw.QueryAsync("SELECT 1; DELETE FROM secrets; SELECT 2");
            await raw.ReadUntilReadyAsync();
        }

        var decisions = (await WaitForEndAsync(application)).Where(e => e.IsDecision).ToList();

        Assert.Equal(["Block", "Block", "Block"], decisions.Select(d => d.Text("Action")));
        Assert.All(decisions, d => Assert.Equal("analysts-read-only", d.Text("Rule")));
        Assert.Contains("statement 2 of the same batch", decisions[0].Text("Message"), StringComparison.Ordinal);
    }

    private Task<List<RecordedEvent>> WaitForEndAsync(string application) => AuditRecord.EndedSessionOfApplicationAsync(Postgres, application);
}
