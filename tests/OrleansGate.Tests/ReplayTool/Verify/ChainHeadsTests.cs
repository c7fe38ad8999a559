using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Audit.Verification;
using OrleansGate.Grains.Sessions;
using OrleansGate.ReplayTool.Cli;
using OrleansGate.ReplayTool.Verify;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool.Verify;

/// <summary>
/// What the chain alone cannot prove and exported heads can (a stream rewritten by someone holding
/// the key, a clean truncation), and how sessions without a seal are told apart: open, ended by
/// failure, missing their seal.
/// </summary>
public sealed class ChainHeadsTests(PostgresFixture postgres) : IntegrityTestBase(postgres)
{
    [Fact]
    public async Task Exported_heads_catch_a_whole_stream_rewritten_with_the_key()
    {
        var id = await RunSessionAsync();
        var heads = WorkFile("heads.jsonl");
        var export = await VerifyAsync("--all", "--export-heads", heads);
        Assert.True(export.ExitCode == ExitCodes.Ok, export.Output + export.Error);
        // The gateway's policy stream is exported too (its head protects the policy history the same way).
        var lines = (await File.ReadAllLinesAsync(heads)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Single(lines, l => l.GetProperty("session").GetString()!.StartsWith(PolicyVersionRecorded.StreamPrefix, StringComparison.Ordinal));
        var line = Assert.Single(lines, l => !l.GetProperty("session").GetString()!.StartsWith(PolicyVersionRecorded.StreamPrefix, StringComparison.Ordinal));
        Assert.Equal(id, line.GetProperty("session").GetString());
        Assert.True(line.GetProperty("sealed").GetBoolean());

        await RewriteWithKeyAsync(id, data =>
        {
            if (((string?)data["Sql"])?.Contains("id = 1", StringComparison.Ordinal) == true)
            {
                data["Sql"] = "SELECT value FROM secrets WHERE id = 2";
            }
        });

        var alone = await VerifyAsync(id);
        Assert.True(alone.ExitCode == ExitCodes.Ok, "a rewrite with the key passes the chain alone: " + alone.Output);
        AssertBroken(await VerifyAsync(id, "--against-heads", heads), id, "rewritten", line.GetProperty("position").GetInt64());
    }

    [Fact]
    public async Task Exported_heads_catch_a_clean_truncation_the_chain_alone_calls_open()
    {
        var id = await RunSessionAsync();
        var heads = WorkFile("heads.jsonl");
        Assert.Equal(ExitCodes.Ok, (await VerifyAsync(id, "--export-heads", heads)).ExitCode);
        var rows = await RowsAsync(id);
        var keep = rows.FindLastIndex(r => r.Type == "statement_decided");

        // A careful attacker: the tail from the last completion on, and the stream's version to match.
        await TamperAsync(id, $"""
            DELETE FROM <s>.mt_events WHERE stream_id = @id AND version > {rows[keep].Version};
            UPDATE <s>.mt_streams SET version = {rows[keep].Version} WHERE id = @id;
            """);

        var alone = await VerifyAsync(id);
        Assert.Equal(ExitCodes.Ok, alone.ExitCode);
        Assert.Equal("open", alone.Result(id).GetProperty("status").GetString());
        AssertBroken(await VerifyAsync(id, "--against-heads", heads), id, "missing-seal", rows[keep].Position + 1);
    }

    [Fact]
    public async Task A_stream_deleted_altogether_fails_against_the_heads()
    {
        var id = await RunSessionAsync();
        var heads = WorkFile("heads.jsonl");
        Assert.Equal(ExitCodes.Ok, (await VerifyAsync("--all", "--export-heads", heads)).ExitCode);

        await TamperAsync(id, "DELETE FROM <s>.mt_events WHERE stream_id = @id; DELETE FROM <s>.mt_streams WHERE id = @id;");

        AssertBroken(await VerifyAsync("--all", "--against-heads", heads), id, "deleted", 1);
    }

    [Fact]
    public async Task A_session_without_a_seal_is_open_while_recent_then_ended_by_failure_or_missing_its_seal_when_required()
    {
        var id = await RunSessionAsync(close: false);

        var open = await VerifyAsync(id);
        Assert.Equal(ExitCodes.Ok, open.ExitCode);
        Assert.Equal("open", open.Result(id).GetProperty("status").GetString());

        var stale = await VerifyAsync(id, "--stale-after", "00:00:00");
        Assert.Equal(ExitCodes.Ok, stale.ExitCode);
        Assert.Equal("ended by failure (unsealed)", stale.Result(id).GetProperty("status").GetString());

        var required = await VerifyAsync(id, "--stale-after", "00:00:00", "--require-seal");
        AssertBroken(required, id, "missing-seal", (await RowsAsync(id)).Count + 1);
    }

    [Fact]
    public async Task A_session_cut_with_a_failure_reason_verifies_as_ended_by_failure()
    {
        var id = await RunSessionAsync(close: false);
        var grains = Gateway.Services.GetRequiredService<IGrainFactory>();

        await grains.GetGrain<ISessionGrain>(id).EndAsync("failure: the proxy is gone");

        var run = await VerifyAsync(id);
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal("ended by failure", run.Result(id).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_client_that_vanishes_leaves_a_session_sealed_as_ended_by_failure()
    {
        var application = "vanish-" + Guid.NewGuid().ToString("N")[..12];
        var client = await RawClient.ConnectAsync(Gateway.Port);
        await client.LoginAsync("alice", GatewayConfig.AlicePassword, "main", [new("application_name", application)]);
        await client.QueryAsync("SELECT 1");
        await client.ReadUntilReadyAsync();

        client.Abort(); // no Terminate: the connection just breaks
        await client.DisposeAsync();

        var id = await SessionOfApplicationAsync(application);
        VerifyRun run = null!;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            run = await VerifyAsync(id);
            if (run.Result(id).GetProperty("status").GetString() != "open")
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Output + run.Error);
        Assert.Equal("ended by failure", run.Result(id).GetProperty("status").GetString());
        Assert.StartsWith("failure: ClientClosed", run.Result(id).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reactivated_session_grain_continues_the_chain_after_the_seal()
    {
        var id = await RunSessionAsync();
        var before = (await RowsAsync(id)).Count;

        // The grain let itself go at the end; an approval step reactivates it, and it must link
        // onto the chain it rebuilds from the stream (key ratcheted from k_1 again).
        var grains = Gateway.Services.GetRequiredService<IGrainFactory>();
        object[] steps = [new ApprovalWithdrawn(id, "ap-test", "client went away", DateTimeOffset.UtcNow)];
        await grains.GetGrain<ISessionGrain>(id).RecordApprovalAsync(steps, VouchedApprovals.Proofs.SignSteps(id, steps));

        var rows = await RowsAsync(id);
        Assert.Equal(before + 1, rows.Count);
        Assert.Equal(before + 1, rows[^1].Position);
        var run = await VerifyAsync(id);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Output + run.Error);
        Assert.Equal("sealed", run.Result(id).GetProperty("status").GetString());
    }

    /// <summary>What someone holding AuditKey can do: change events and recompute every link.</summary>
    private async Task RewriteWithKeyAsync(string id, Action<JsonObject> change)
    {
        var key = new ChainKey(GatewayConfig.AuditKey);
        var names = AuditStore.EventTypes.ToDictionary(t => ChainVerifier.SnakeCase(t.Name), t => t.Name);
        var prev = ChainHead.Genesis;
        foreach (var row in await RowsAsync(id))
        {
            var data = row.Data;
            change(data);
            data.Remove("Hash");
            using var json = JsonDocument.Parse(data.ToJsonString());
            var hash = AuditChain.Hash(key.At(id, row.Position), ChainCanonical.Of(names[row.Type], json.RootElement), prev);
            data["Hash"] = hash;
            prev = hash;
            var literal = data.ToJsonString().Replace("'", "''", StringComparison.Ordinal);
            await TamperAsync(id, $"UPDATE <s>.mt_events SET data = '{literal}'::jsonb WHERE stream_id = @id AND version = {row.Version}");
        }
    }
}
