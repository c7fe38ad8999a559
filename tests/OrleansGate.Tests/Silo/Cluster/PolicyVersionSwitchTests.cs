using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Policy;
using OrleansGate.Proxy.Sql;
using OrleansGate.Silo.Admin;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>
/// Two silos of one cluster keep their policy versions in the cluster database: the first silo
/// seeds version 1 from the file, the second finds it, and an edit through the first silo's admin
/// API is in force on the second within a second or two (PostgreSQL NOTIFY), where a statement is
/// then decided by the new rule.
/// </summary>
public sealed class PolicyVersionSwitchTests(PostgresFixture postgres) : ClusterTestBase(postgres)
{
    private const string ErinToken = "erin-api-token-00001";

    [Fact]
    public async Task An_edit_through_one_silo_decides_statements_on_the_other_within_two_seconds()
    {
        void Configure(JsonObject configuration)
        {
            var identities = (JsonArray)configuration["OrleansGate"]!["Identities"]!;
            var erin = GatewayConfig.Identity("erin", "erin-secret", "admins");
            erin["ApiToken"] = ErinToken;
            identities.Add(erin);
            GatewayConfig.UsePolicy(configuration, "main", """{ "Name": "shop", "Rules": [ { "Name": "no-deletes", "Kinds": ["Delete"], "Action": "Block" } ] }""");
        }

        var first = await StartSiloAsync(c =>
        {
            Configure(c);
            c.Section("Admin")["Listen"] = "127.0.0.1:0";
        });
        var second = await StartSiloAsync(Configure);
        var onSecond = second.Services.GetRequiredService<GatewayConfiguration>();
        Assert.Equal(1, onSecond.PolicyVersion!.Number);
        Assert.Equal("Allow", (await DecideOnAsync(second, "SELECT * FROM customers")).Action);

        using var admin = new HttpClient { BaseAddress = first.Services.GetRequiredService<AdminServer>().Address };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ErinToken);
        var edit = await admin.PostAsJsonAsync("policies/versions", new
        {
            baseVersion = 1, reason = "incident 42", policy = "shop",
            rules = JsonNode.Parse("""[ { "Name": "no-customers", "Relations": ["customers"], "Action": "Block" } ]"""),
        });
        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Created, edit.StatusCode);

        var decided = await Eventually.HoldsAsync(() => DecideOnAsync(second, "SELECT * FROM customers"), d => d.Rule == "no-customers",
            TimeSpan.FromSeconds(2));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the second silo switched after {clock.Elapsed}");
        Assert.Equal("Block", decided.Action);
        Assert.Equal(2, onSecond.PolicyVersion!.Number);
        Assert.Empty(second.Log.Errors);
    }

    // A stateless worker called from a silo runs on that silo: the decision is the second silo's own.
    private static async Task<DryRunDecision> DecideOnAsync(ClusterSilo silo, string sql) =>
        (await silo.Grains.GetGrain<IPolicyDryRunGrain>(0).DecideAsync(
            new DryRunRequest("alice", ["analysts"], "main", new SqlParser(cacheEntries: 0).Parse(sql)))).Single();
}
