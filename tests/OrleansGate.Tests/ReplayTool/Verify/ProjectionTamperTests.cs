using OrleansGate.ReplayTool.Cli;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool.Verify;

/// <summary>
/// <c>sessions list</c> and <c>query</c> read the projections, documents outside the chain: verify
/// recomputes them from the verified events and fails when a stored one says something else.
/// </summary>
public sealed class ProjectionTamperTests(PostgresFixture postgres) : IntegrityTestBase(postgres)
{
    [Fact]
    public async Task Projections_not_built_yet_are_noted_and_built_ones_that_match_pass()
    {
        var id = await RunSessionAsync();

        var before = await VerifyAsync("--all");
        Assert.Equal(ExitCodes.Ok, before.ExitCode);
        Assert.Contains(Projections(before).GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("not compared", StringComparison.Ordinal));

        await RebuildAsync();
        var after = await VerifyAsync("--all");
        Assert.True(after.ExitCode == ExitCodes.Ok, after.Output);
        Assert.True(Projections(after).GetProperty("ok").GetBoolean());
        Assert.Empty(Projections(after).GetProperty("notes").EnumerateArray());
        Assert.Equal("sealed", after.Result(id).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_summary_edited_by_hand_fails_verify_while_the_chain_still_verifies()
    {
        var id = await RunSessionAsync();
        await RebuildAsync();

        await TamperAsync(id, "UPDATE <s>.mt_doc_sessionsummary SET data = jsonb_set(data, '{Statements}', '99') WHERE id = @id");
        await TamperAsync(id, "UPDATE <s>.mt_doc_sessiontimeline SET data = jsonb_set(data, '{EndReason}', '\"nothing to see\"') WHERE id = @id");

        var run = await VerifyAsync(id);
        Assert.Equal(ExitCodes.CheckFailed, run.ExitCode);
        Assert.Equal("sealed", run.Result(id).GetProperty("status").GetString());
        var problems = Projections(run).GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.StartsWith($"SessionSummary of {id}: Statements is 99 in the stored document, ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith($"SessionTimeline of {id}: EndReason", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Access_counts_edited_deleted_or_added_by_hand_fail_verify_all()
    {
        var id = await RunSessionAsync();
        await RebuildAsync();

        await TamperAsync(id, "UPDATE <s>.mt_doc_tableaccess SET data = jsonb_set(data, '{Reads}', '0') WHERE data->>'Relation' = 'secrets'");
        await TamperAsync(id, "DELETE FROM <s>.mt_doc_identityactivity");
        await TamperAsync(id, "INSERT INTO <s>.mt_doc_tableaccess (id, data, mt_last_modified, mt_version, mt_dotnet_type) " +
                              "SELECT 'main/payroll/mallory', jsonb_set(data, '{Id}', '\"main/payroll/mallory\"'), now(), gen_random_uuid(), mt_dotnet_type " +
                              "FROM <s>.mt_doc_tableaccess LIMIT 1");

        var run = await VerifyAsync("--all");
        Assert.Equal(ExitCodes.CheckFailed, run.ExitCode);
        var problems = Projections(run).GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.StartsWith("TableAccess main/secrets/alice: Reads is 0 in the stored document, 2 from the events", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("IdentityActivity alice/", StringComparison.Ordinal) && p.EndsWith("missing, though the events give one", StringComparison.Ordinal));
        Assert.Contains("TableAccess main/payroll/mallory: stored, though no event gives it", problems);
    }

    private static System.Text.Json.JsonElement Projections(VerifyRun run) =>
        System.Text.Json.JsonDocument.Parse(run.Output).RootElement.GetProperty("projections");

    private async Task RebuildAsync()
    {
        var run = await InProcessReplay.RunAsync(["--config", ConfigFile(), "projections", "rebuild"]);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Output);
    }
}
