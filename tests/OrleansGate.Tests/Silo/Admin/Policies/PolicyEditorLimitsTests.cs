using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Policies;

/// <summary>
/// What a policy editor who is not an administrator may not record (docs/policies.md#versions):
/// nothing that loosens what protects data — Overrides that lift safe defaults, a wider Unmasked,
/// a mask removed, a Block rule removed or changed, an Allow rule put before a Block rule. Each is
/// 403 naming what needs an administrator, and nothing changes; an administrator may. And no
/// identity named 'file' (the author of the configuration file's versions) records a version.
/// </summary>
public sealed class PolicyEditorLimitsTests(PostgresFixture postgres) : PolicyVersionTestBase(postgres)
{
    private const string FileToken = "file-api-token-00001";

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        var file = GatewayConfig.Identity("file", "file-secret", "approvers");
        file["ApiToken"] = FileToken;
        ((JsonArray)configuration["OrleansGate"]!["Identities"]!).Add(file);
    }

    [Fact]
    public async Task An_editor_adds_protection_but_only_an_administrator_takes_it_away()
    {
        var (newest, shop) = await NewestShopAsync();
        var rules = shop["Rules"]!.AsArray();
        const string Mask = """[ { "Column": "public.customers.name", "Strategy": "Redact" } ]""";

        // Adding a mask is more protection: bob may.
        var masked = await EditShopAsync(BobToken, newest, "names are personal", JsonNode.Parse(Mask), rules.DeepClone());
        Assert.Equal(HttpStatusCode.Created, masked.StatusCode);
        newest++;

        async Task Refused(string reason, JsonNode? newMasks, JsonNode? newRules, string needs)
        {
            var response = await EditShopAsync(BobToken, newest, reason, newMasks, newRules);
            var error = (await JsonOf(response)).GetProperty("error").GetString()!;
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.StartsWith("only an administrator may loosen what protects data: ", error, StringComparison.Ordinal);
            Assert.Contains(needs, error, StringComparison.Ordinal);
            Assert.Equal(newest, InForce.PolicyVersion!.Number);
        }

        await Refused("analysts see names", JsonNode.Parse("""[ { "Column": "public.customers.name", "Strategy": "Redact", "Unmasked": ["analysts"] } ]"""),
            null, "policy 'shop': mask 'public.customers.name' Unmasked widened (analysts)");
        await Refused("no mask", new JsonArray(), null, "policy 'shop': mask 'public.customers.name' removed");
        await Refused("deletes are fine", null, new JsonArray(), "policy 'shop': Block rule 'no-deletes' removed");
        var lifting = rules.DeepClone().AsArray();
        lifting.Add(JsonNode.Parse("""{ "Name": "copy-ok", "Groups": ["analysts"], "Action": "Allow", "Overrides": ["default:copy-program"] }"""));
        await Refused("copy needed", null, lifting, "policy 'shop': Allow rule 'copy-ok' Overrides widened (default:copy-program)");
        var first = new JsonArray(JsonNode.Parse("""{ "Name": "analysts-all", "Groups": ["analysts"], "Action": "Allow" }"""));
        foreach (var rule in rules)
        {
            first.Add(rule!.DeepClone());
        }

        await Refused("analysts first", null, first, "policy 'shop': Allow rule 'analysts-all' now comes before Block rule 'no-deletes'");

        // An Allow rule after every Block rule, without Overrides, takes nothing away: bob may.
        var after = rules.DeepClone().AsArray();
        after.Add(JsonNode.Parse("""{ "Name": "analysts-read", "Groups": ["analysts"], "Kinds": ["Select"], "Action": "Allow" }"""));
        Assert.Equal(HttpStatusCode.Created, (await EditShopAsync(BobToken, newest, "reads explicit", null, after)).StatusCode);
        newest++;

        // An administrator may take protection away.
        var unmasked = await EditShopAsync(ErinToken, newest, "the mask moved to the view", new JsonArray(), null);
        Assert.Equal(HttpStatusCode.Created, unmasked.StatusCode);
        Assert.Empty(InForce.PolicyFor("main")!.Masks);
    }

    [Fact]
    public async Task An_identity_named_file_may_not_record_a_version_as_it_would_pose_as_the_configuration_file()
    {
        var (newest, shop) = await NewestShopAsync();
        var rules = shop["Rules"]!.AsArray().DeepClone().AsArray();
        rules.Add(JsonNode.Parse("""{ "Name": "no-truncate", "Kinds": ["Truncate"], "Action": "Block" }"""));

        var edit = await EditShopAsync(FileToken, newest, "from the file, honestly", null, rules);
        var rollback = await Admin(FileToken).PostAsJsonAsync("policies/versions/1/rollback", new { baseVersion = newest, reason = "back to the file" });

        foreach (var response in new[] { edit, rollback })
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("the identity 'file' may not record policy versions: 'file' is the reserved author of the configuration file's versions",
                (await JsonOf(response)).GetProperty("error").GetString());
        }

        Assert.Equal(newest, InForce.PolicyVersion!.Number);
    }
}
