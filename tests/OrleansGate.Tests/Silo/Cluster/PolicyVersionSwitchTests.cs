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
/// then decided by the new rule. A version written into the table without the gateway's seal is
/// refused by a running silo and stops a starting one.
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

    [Fact]
    public async Task A_silo_does_not_start_on_a_version_written_into_the_table_and_a_store_from_before_seals_is_recorded_again()
    {
        static void Configure(JsonObject configuration) =>
            GatewayConfig.UsePolicy(configuration, "main", """{ "Name": "shop", "Rules": [ { "Name": "no-deletes", "Kinds": ["Delete"], "Action": "Block" } ] }""");

        var first = await StartSiloAsync(Configure);
        var onFirst = first.Services.GetRequiredService<GatewayConfiguration>();
        Assert.Equal(1, onFirst.PolicyVersion!.Number);

        // A newer version inserted with SQL by someone who can write the cluster database but holds no audit key.
        await ClusterSqlAsync("""
            INSERT INTO og_policy.versions (service_id, version, document, author, reason, based_on)
            SELECT service_id, 2, '[ { "Name": "shop" } ]', 'erin', 'urgent', 1 FROM og_policy.versions WHERE version = 1;
            SELECT pg_notify('og_policy_versions', 'forged');
            """);
        await Eventually.HoldsAsync(() => first.Log.Errors.Any(e => e.Contains("Policy version 2 refused: its seal does not verify", StringComparison.Ordinal)));
        Assert.Equal(1, onFirst.PolicyVersion!.Number);
        Assert.Equal("Block", (await DecideOnAsync(first, "DELETE FROM customers")).Action);

        // A process starting now does not start on it (nor falls back to version 1: that would let a writer of the table roll policies back).
        var refused = await Assert.ThrowsAsync<OrleansGate.Grains.Policy.Versions.PolicyVersionsUnavailableException>(() => StartSiloAsync(Configure));
        Assert.StartsWith("OrleansGate:Secrets:AuditKey: policy version 2 in og_policy.versions (service '", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("is not sealed with this key, so the gateway did not record it; the process does not start " +
                        "(docs/policies.md#versions: remove the row, or check the key)", refused.Message, StringComparison.Ordinal);

        // A store written before versions were sealed: no row verifies, so the file's policies are recorded again, sealed.
        await ClusterSqlAsync("DELETE FROM og_policy.versions WHERE version = 2; UPDATE og_policy.versions SET seal = NULL;");
        var second = await StartSiloAsync(Configure);
        var recorded = second.Services.GetRequiredService<GatewayConfiguration>().PolicyVersion!;
        Assert.Equal((2, "file"), (recorded.Number, recorded.Author));
        Assert.StartsWith("the configuration file's policies, recorded again", recorded.Reason, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => onFirst.PolicyVersion!.Number == 2);
    }

    private async Task ClusterSqlAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ClusterConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    // A stateless worker called from a silo runs on that silo: the decision is the second silo's own.
    private static async Task<DryRunDecision> DecideOnAsync(ClusterSilo silo, string sql) =>
        (await silo.Grains.GetGrain<IPolicyDryRunGrain>(0).DecideAsync(
            new DryRunRequest("alice", ["analysts"], "main", new SqlParser(cacheEntries: 0).Parse(sql)))).Single();
}
