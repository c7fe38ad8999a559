using OrleansGate.ReplayTool.Cli;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool.Verify;

/// <summary>
/// Invariant 5: tampering with the record by SQL on Marten's event table — a changed statement, a
/// deleted, swapped or inserted event, a cut tail, a removed seal — is found by verify, with its
/// kind and the position of the first broken link; an untouched record verifies clean.
/// </summary>
public sealed class ChainTamperTests(PostgresFixture postgres) : IntegrityTestBase(postgres)
{
    // One schema, and so one gateway, for the class: every test verifies its own sessions by id.
    private static readonly string ClassSchema = "og_int_" + Token();

    protected override string Schema => ClassSchema;

    [Fact]
    public async Task An_untouched_record_verifies_clean_and_every_event_is_chained()
    {
        var first = await RunSessionAsync();
        var second = await RunSessionAsync(close: true, "SELECT 1", "DELETE FROM secrets");

        foreach (var id in new[] { first, second })
        {
            var rows = await RowsAsync(id);
            Assert.Equal(Enumerable.Range(1, rows.Count).Select(i => (long)i), rows.Select(r => r.Position));
            // Each row stores its own hash only: the one it links to is the row before's.
            Assert.All(rows, r => Assert.Matches("^[0-9a-f]{64}$", (string?)r.Data["Hash"]));
            Assert.All(rows, r => Assert.False(r.Data.ContainsKey("PrevHash")));
            Assert.Equal(rows.Count, rows.Select(r => (string?)r.Data["Hash"]).Distinct().Count());

            Assert.Equal("session_ended", rows[^1].Type);
        }

        foreach (var id in new[] { first, second })
        {
            var run = await VerifyAsync(id);
            Assert.True(run.ExitCode == ExitCodes.Ok, run.Output + run.Error);
            var result = run.Result(id);
            Assert.Equal("sealed", result.GetProperty("status").GetString());
            Assert.True(result.GetProperty("sealed").GetBoolean());
            Assert.Equal((await RowsAsync(id)).Count, result.GetProperty("lastPosition").GetInt64());
        }
    }

    [Fact]
    public async Task A_changed_statement_text_is_modified_at_its_position()
    {
        var id = await RunSessionAsync();
        var target = (await RowsAsync(id)).Single(r => r.Type == "statement_decided" && ((string?)r.Data["Sql"])!.Contains("id = 1", StringComparison.Ordinal));

        await TamperAsync(id, $"UPDATE <s>.mt_events SET data = jsonb_set(data, '{{Sql}}', '\"SELECT 42\"') WHERE stream_id = @id AND version = {target.Version}");

        AssertBroken(await VerifyAsync(id), id, "modified", target.Position);
    }

    [Fact]
    public async Task An_event_or_a_stream_marked_archived_is_hidden_for_the_tools_and_fails()
    {
        var id = await RunSessionAsync();
        var target = (await RowsAsync(id)).Last(r => r.Type == "statement_decided");
        await TamperAsync(id, $"UPDATE <s>.mt_events SET is_archived = true WHERE stream_id = @id AND version = {target.Version}");
        AssertBroken(await VerifyAsync(id), id, "hidden", target.Position);

        var other = await RunSessionAsync();
        await TamperAsync(other, "UPDATE <s>.mt_streams SET is_archived = true WHERE id = @id");
        AssertBroken(await VerifyAsync(other), other, "hidden", 1);
    }

    [Fact]
    public async Task An_event_whose_dotnet_type_was_changed_is_modified()
    {
        var id = await RunSessionAsync();
        var target = (await RowsAsync(id)).Last(r => r.Type == "statement_decided");

        await TamperAsync(id, "UPDATE <s>.mt_events SET mt_dotnet_type = 'OrleansGate.Grains.Audit.Events.StatementCompleted, OrleansGate.Grains' " +
                              $"WHERE stream_id = @id AND version = {target.Version}");

        AssertBroken(await VerifyAsync(id), id, "modified", target.Position);
    }

    [Fact]
    public async Task A_row_timestamp_set_in_the_future_does_not_keep_a_stale_unsealed_session_open()
    {
        // A session still connected: no seal, and its last event is a decision.
        var id = await RunSessionAsync(close: false);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await TamperAsync(id, "UPDATE <s>.mt_events SET timestamp = now() + interval '10 years' WHERE stream_id = @id");

        var run = await VerifyAsync(id, "--stale-after", "00:00:01", "--require-seal");
        Assert.Equal("missing-seal", run.Result(id).GetProperty("kind").GetString());
        Assert.Equal(ExitCodes.CheckFailed, run.ExitCode);
    }

    [Fact]
    public async Task A_deleted_event_is_deleted_at_its_position()
    {
        var id = await RunSessionAsync();
        var target = (await RowsAsync(id)).Last(r => r.Type == "statement_decided");

        await TamperAsync(id, $"DELETE FROM <s>.mt_events WHERE stream_id = @id AND version = {target.Version}");

        AssertBroken(await VerifyAsync(id), id, "deleted", target.Position);
    }

    [Fact]
    public async Task Two_swapped_events_are_reordered()
    {
        var id = await RunSessionAsync();
        var rows = await RowsAsync(id);
        var (a, b) = (rows[^5], rows[^3]);

        // Swap their places in the stream: each row takes the other's version.
        await TamperAsync(id, $"""
            UPDATE <s>.mt_events SET version = -1 WHERE stream_id = @id AND version = {a.Version};
            UPDATE <s>.mt_events SET version = {a.Version} WHERE stream_id = @id AND version = {b.Version};
            UPDATE <s>.mt_events SET version = {b.Version} WHERE stream_id = @id AND version = -1;
            """);

        AssertBroken(await VerifyAsync(id), id, "reordered", a.Position);
    }

    [Fact]
    public async Task A_forged_event_inserted_in_the_middle_is_inserted()
    {
        var id = await RunSessionAsync();
        var target = (await RowsAsync(id)).Single(r => r.Type == "statement_decided" && ((string?)r.Data["Sql"])!.Contains("id = 1", StringComparison.Ordinal));

        // Make room at the target's version, and put there a copy of the statement with another text
        // (its chain fields copied too: the forger cannot compute a hash without the key).
        await TamperAsync(id, $$"""
            UPDATE <s>.mt_events SET version = version + 1000000 WHERE stream_id = @id AND version >= {{target.Version}};
            UPDATE <s>.mt_events SET version = version - 1000000 + 1 WHERE stream_id = @id AND version >= 1000000;
            CREATE TEMP TABLE forged AS SELECT * FROM <s>.mt_events WHERE stream_id = @id AND version = {{target.Version + 1}};
            UPDATE forged SET version = {{target.Version}}, id = gen_random_uuid(),
                seq_id = (SELECT max(seq_id) + 1 FROM <s>.mt_events), data = jsonb_set(data, '{Sql}', '"SELECT * FROM secrets"');
            INSERT INTO <s>.mt_events SELECT * FROM forged;
            UPDATE <s>.mt_streams SET version = version + 1 WHERE id = @id;
            """);

        AssertBroken(await VerifyAsync(id), id, "inserted", target.Position);
    }

    [Fact]
    public async Task A_cut_tail_is_truncated()
    {
        var id = await RunSessionAsync();
        var rows = await RowsAsync(id);

        await TamperAsync(id, $"DELETE FROM <s>.mt_events WHERE stream_id = @id AND version > {rows[^4].Version}");

        AssertBroken(await VerifyAsync(id), id, "truncated", rows[^4].Position + 1);
    }

    [Fact]
    public async Task A_removed_seal_is_a_missing_seal_even_when_the_stream_version_is_fixed_too()
    {
        var id = await RunSessionAsync();
        var rows = await RowsAsync(id);
        Assert.Equal("statement_completed", rows[^2].Type); // the last outcome is committed with the seal

        await TamperAsync(id, $"""
            DELETE FROM <s>.mt_events WHERE stream_id = @id AND version = {rows[^1].Version};
            UPDATE <s>.mt_streams SET version = version - 1 WHERE id = @id;
            """);

        AssertBroken(await VerifyAsync(id), id, "missing-seal", rows[^1].Position);
    }

    [Fact]
    public async Task A_verify_with_another_key_fails_every_session_at_position_1()
    {
        var id = await RunSessionAsync();
        var otherKey = Convert.ToBase64String(new byte[32]);

        var run = await InProcessReplay.RunAsync(["--config", ConfigFile(otherKey), "verify", id]);

        Assert.Equal(ExitCodes.CheckFailed, run.ExitCode);
        Assert.Contains("modified", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("is this the gateway's AuditKey?", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_usage_and_unknown_sessions_have_their_exit_codes()
    {
        Assert.Equal(ExitCodes.Usage, (await VerifyAsync()).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await VerifyAsync("some-id", "--all")).ExitCode);
        var unknown = await VerifyAsync("no-such-session");
        Assert.Equal(ExitCodes.CheckFailed, unknown.ExitCode);
        Assert.Contains("no session 'no-such-session'", unknown.Error, StringComparison.Ordinal);
    }
}
