using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Grains.Configuration;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Policies;

/// <summary>
/// Versioned policies through the admin API, against real PostgreSQL: the file seeds version 1;
/// an edit is validated like the file, based on the newest version or refused, recorded in the
/// audit store with its author and difference, and decides a session's next statement; a rollback
/// brings the old decision back. bob edits (Admin:PolicyEditorGroups: approvers), alice may not.
/// </summary>
public sealed class PolicyVersionTests(PostgresFixture postgres) : PolicyVersionTestBase(postgres)
{
    [Fact]
    public async Task The_file_is_version_1_an_edit_decides_the_next_statement_and_a_rollback_restores_the_old_decision()
    {
        var versions = await VersionsAsync(BobToken);
        var first = versions.GetProperty("versions").EnumerateArray().Last();
        Assert.Equal((1, "file", "seeded from the configuration file"),
            (first.GetProperty("version").GetInt32(), first.GetProperty("author").GetString(), first.GetProperty("reason").GetString()));
        var before = versions.GetProperty("inForce").GetInt32();

        await using var alice = await OpenViaGatewayAsync();
        Assert.Equal(1L, await ScalarAsync(alice, "SELECT count(*) FROM customers"));

        // bob (an editor, not an administrator) adds a rule and keeps every other: protection only grows.
        var (_, shop) = await NewestShopAsync();
        var rules = shop["Rules"]!.AsArray().DeepClone().AsArray();
        rules.Add(JsonNode.Parse("""{ "Name": "no-customers", "Relations": ["customers"], "Action": "Block" }"""));
        var edit = await EditShopAsync(BobToken, before, "customers only through the CRM", masks: null, rules);
        Assert.Equal(HttpStatusCode.Created, edit.StatusCode);
        var recorded = await JsonOf(edit);
        var edited = recorded.GetProperty("version").GetProperty("version").GetInt32();
        Assert.Equal(before + 1, edited);
        Assert.Contains(recorded.GetProperty("changes").EnumerateArray(), c => c.GetString()!.StartsWith("policy 'shop': rule 'no-customers' added", StringComparison.Ordinal));

        // The same session, its next statement: decided by the new rule.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(alice, "SELECT count(*) FROM customers"));
        Assert.Equal("42501", refused.SqlState);
        Assert.Contains("no-customers", refused.MessageText, StringComparison.Ordinal);

        var rollback = await Admin(ErinToken).PostAsJsonAsync($"policies/versions/{before}/rollback", new { baseVersion = edited, reason = "the CRM is late" });
        Assert.Equal(HttpStatusCode.Created, rollback.StatusCode);
        var restored = (await JsonOf(rollback)).GetProperty("version");
        Assert.Equal((edited + 1, before), (restored.GetProperty("version").GetInt32(), restored.GetProperty("restoredFrom").GetInt32()));
        Assert.Equal(1L, await ScalarAsync(alice, "SELECT count(*) FROM customers"));

        // Version n shows its document and what changed from its base.
        var shown = await JsonOf(await Admin(BobToken).GetAsync($"policies/versions/{edited + 1}"));
        Assert.Contains(shown.GetProperty("changes").EnumerateArray(), c => c.GetString() == "policy 'shop': rule 'no-customers' removed");
        Assert.Equal("shop", shown.GetProperty("policies")[0].GetProperty("Name").GetString());

        // The audit store holds each change, chained, with its author and difference; verify passes.
        var events = await PolicyEventsAsync();
        var edit2 = events.Single(e => (int)e["Version"]! == edited);
        Assert.Equal(("bob", "customers only through the CRM", before), ((string)edit2["Author"]!, (string)edit2["Reason"]!, (int)edit2["BasedOn"]!));
        Assert.Contains(edit2["Changes"]!.AsArray(), c => ((string)c!).Contains("rule 'no-customers' added", StringComparison.Ordinal));
        var back = events.Single(e => (int)e["Version"]! == edited + 1);
        Assert.Equal(("erin", before), ((string)back["Author"]!, (int)back["RestoredFrom"]!));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => (long)e["Position"]!));
        await VerifyPolicyStreamAsync(events.Count);
    }

    [Fact]
    public async Task A_broken_edit_is_refused_with_one_line_per_problem_naming_the_key_and_nothing_changes()
    {
        var before = (await VersionsAsync(BobToken)).GetProperty("inForce").GetInt32();
        var policiesBefore = await Admin(ErinToken).GetStringAsync("policies");
        var response = await Admin(BobToken).PostAsJsonAsync("policies/versions", new
        {
            baseVersion = before, reason = "typos", policy = "shop",
            rules = JsonNode.Parse("""
                [ { "Name": "no-deletes", "Kinds": ["Delet"], "Action": "Block" },
                  { "Name": "hold-all", "Action": "Hold" } ]
                """),
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problems = (await JsonOf(response)).GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.StartsWith("OrleansGate:Policies:0:Rules:0:Kinds:0: 'Delet' is not a valid StatementKind", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("OrleansGate:Policies:0:Rules:1:ApproverGroups:", StringComparison.Ordinal));

        var whole = await Admin(BobToken).PostAsJsonAsync("policies/versions", new
        {
            baseVersion = before, reason = "rename", policies = JsonNode.Parse("""[ { "Name": "renamed" } ]"""),
        });
        Assert.Equal(HttpStatusCode.BadRequest, whole.StatusCode);
        Assert.Contains("OrleansGate:Targets:0:Policy: no policy is named 'shop'", (await JsonOf(whole)).GetProperty("error").GetString(), StringComparison.Ordinal);

        Assert.Equal(before, (await VersionsAsync(BobToken)).GetProperty("inForce").GetInt32());
        Assert.Equal(before, Gateway.Services.GetRequiredService<GatewayConfiguration>().PolicyVersion!.Number);
        Assert.Equal(policiesBefore, await Admin(ErinToken).GetStringAsync("policies"));
    }

    [Fact]
    public async Task An_edit_based_on_a_version_that_is_no_longer_the_newest_gets_409()
    {
        var before = (await VersionsAsync(BobToken)).GetProperty("inForce").GetInt32();
        object Edit(string rule) => new
        {
            baseVersion = before, reason = "two editors at once", policy = "shop",
            rules = new JsonArray(new JsonObject { ["Name"] = rule, ["Kinds"] = new JsonArray("Truncate"), ["Action"] = "Block" }),
        };

        // erin, an administrator, may replace the rules (bob may not remove a Block rule: PolicyEditorLimitsTests).
        Assert.Equal(HttpStatusCode.Created, (await Admin(ErinToken).PostAsJsonAsync("policies/versions", Edit("erins-rule"))).StatusCode);
        var second = await Admin(BobToken).PostAsJsonAsync("policies/versions", Edit("bobs-rule"));

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(before + 1, (await JsonOf(second)).GetProperty("newest").GetInt32());
        var inForce = Gateway.Services.GetRequiredService<GatewayConfiguration>().PolicyFor("main")!;
        Assert.Equal("erins-rule", inForce.Rules.Single().Name);
    }

    [Fact]
    public async Task Only_administrators_and_policy_editors_edit_and_a_reason_is_required()
    {
        var before = (await VersionsAsync(ErinToken)).GetProperty("inForce").GetInt32();
        var body = new { baseVersion = before, reason = "mine", policy = "shop", rules = new JsonArray() };
        Assert.Equal(HttpStatusCode.Forbidden, (await Admin(AliceToken).PostAsJsonAsync("policies/versions", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Admin(CarolToken).PostAsJsonAsync($"policies/versions/1/rollback", new { baseVersion = before, reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Admin(AliceToken).GetAsync("policies/versions")).StatusCode);

        var noReason = await Admin(BobToken).PostAsJsonAsync("policies/versions", new { baseVersion = before, policy = "shop", rules = new JsonArray() });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(before, (await VersionsAsync(ErinToken)).GetProperty("inForce").GetInt32());
    }

    private async Task<List<JsonObject>> PolicyEventsAsync()
    {
        await using var connection = new NpgsqlConnection(Postgres.AuditConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT data::text FROM og_audit.mt_events WHERE stream_id = @stream ORDER BY version", connection);
        command.Parameters.AddWithValue("stream", "policies:" + ServiceId);
        var events = new List<JsonObject>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add(JsonNode.Parse(reader.GetString(0))!.AsObject());
        }

        return events;
    }

    private async Task VerifyPolicyStreamAsync(int events)
    {
        var verdict = InProcessVerify.SingleVerdict(await InProcessVerify.RunAsync(Postgres.AuditConnectionString,
            "policies:" + ServiceId, "--require-seal", "--stale-after", "00:00:00"));
        Assert.Equal(("policy ledger", events), ((string?)verdict["status"], (int?)verdict["events"]));
    }
}
