using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// <c>POST /policies/dry-run</c>: the decision, rule and masked columns the gateway would give some
/// SQL, from the same policy and masking analysis as a session, while nothing runs and nothing is
/// recorded; only for oneself unless an administrator or auditor asks.
/// </summary>
public sealed class PolicyDryRunTests(PostgresFixture postgres) : AdminTestBase(postgres)
{
    protected override string SetUpDatabaseSql => """
        CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, ssn text);
        INSERT INTO customers VALUES (1, 'Ann', '123-45-6789');
        """;

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "shop",
              "Masks": [ { "Column": "public.customers.ssn", "Strategy": "Redact" } ],
              "Rules": [ { "Name": "no-deletes", "Groups": ["analysts"], "Kinds": ["Delete"], "Action": "Block" } ] }
            """);
    }

    [Fact]
    public async Task Each_statement_gets_the_decision_rule_and_masked_columns_a_session_would_and_nothing_runs()
    {
        var response = await Admin(AliceToken).PostAsJsonAsync("policies/dry-run", new
        {
            target = "main", sql = "SELECT name, ssn FROM customers; DELETE FROM customers; SELECT pg_read_file('/etc/hostname')",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await JsonOf(response);
        Assert.Equal("alice", result.GetProperty("identity").GetString());
        var statements = result.GetProperty("statements").EnumerateArray().ToList();
        Assert.Equal(3, statements.Count);
        Assert.Equal("Mask", statements[0].GetProperty("action").GetString());
        var masked = statements[0].GetProperty("masked").EnumerateArray().Single();
        Assert.Equal("public.customers.ssn", masked.GetProperty("column").GetString());
        Assert.Equal("Redact", masked.GetProperty("strategy").GetString());
        Assert.Equal(("Block", "no-deletes"), (statements[1].GetProperty("action").GetString(), statements[1].GetProperty("rule").GetString()));
        Assert.Equal("default:server-file-functions", statements[2].GetProperty("rule").GetString());

        // Nothing ran: the row is still there.
        await using var connection = await OpenViaGatewayAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM customers", connection);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_policies_in_force_are_shown_to_whoever_may_use_their_target_and_to_administrators()
    {
        var alice = await JsonOf(await Admin(AliceToken).GetAsync("policies"));
        var main = alice.EnumerateArray().Single(t => t.GetProperty("target").GetString() == "main");
        Assert.Equal("shop", main.GetProperty("policy").GetProperty("name").GetString());
        Assert.Equal("public.customers.ssn", main.GetProperty("policy").GetProperty("masks")[0].GetProperty("column").GetString());
        Assert.Equal("no-deletes", main.GetProperty("policy").GetProperty("rules")[0].GetProperty("name").GetString());

        // carol's group uses no target: she sees no policy at all; erin (an administrator) sees every target's.
        Assert.Equal(0, (await JsonOf(await Admin(CarolToken).GetAsync("policies"))).GetArrayLength());
        Assert.Equal(3, (await JsonOf(await Admin(ErinToken).GetAsync("policies"))).GetArrayLength());
    }

    [Fact]
    public async Task Only_administrators_and_auditors_try_sql_as_someone_else_and_a_target_the_identity_may_not_use_says_so()
    {
        var asOther = await Admin(AliceToken).PostAsJsonAsync("policies/dry-run", new { identity = "bob", target = "main", sql = "SELECT 1" });
        Assert.Equal(HttpStatusCode.NotFound, asOther.StatusCode);

        var admin = await Admin(ErinToken).PostAsJsonAsync("policies/dry-run", new { identity = "alice", target = "main", sql = "DELETE FROM customers" });
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal("no-deletes", (await JsonOf(admin)).GetProperty("statements")[0].GetProperty("rule").GetString());

        var outsider = await Admin(CarolToken).PostAsJsonAsync("policies/dry-run", new { target = "main", sql = "SELECT 1" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, outsider.StatusCode);
        Assert.Contains("may not use target", (await JsonOf(outsider)).GetProperty("error").GetString(), StringComparison.Ordinal);

        var unknown = await Admin(AliceToken).PostAsJsonAsync("policies/dry-run", new { target = "nope", sql = "SELECT 1" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
