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
/// A gateway whose target main follows policy 'shop' (one Block rule, no-deletes for analysts),
/// with bob a policy editor (approvers, Admin:PolicyEditorGroups) and erin an administrator. The
/// tests of a class share its gateway, so each reads the newest version before editing.
/// </summary>
public abstract class PolicyVersionTestBase(PostgresFixture postgres) : AdminTestBase(postgres)
{
    protected override string SetUpDatabaseSql => """
        CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
        INSERT INTO customers VALUES (1, 'Ann');
        """;

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        configuration.Section("Admin")["PolicyEditorGroups"] = new JsonArray("approvers");
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "shop",
              "Rules": [ { "Name": "no-deletes", "Groups": ["analysts"], "Kinds": ["Delete"], "Action": "Block" } ] }
            """);
    }

    protected string ServiceId => (string)Gateway.Configuration["OrleansGate"]!["Cluster"]!["ServiceId"]!;

    protected GatewayConfiguration InForce => Gateway.Services.GetRequiredService<GatewayConfiguration>();

    protected async Task<JsonElement> VersionsAsync(string token)
    {
        var response = await Admin(token).GetAsync("policies/versions");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonOf(response);
    }

    /// <summary>The newest version's number and its policy 'shop', to edit from.</summary>
    protected async Task<(int Newest, JsonObject Shop)> NewestShopAsync()
    {
        var newest = (await VersionsAsync(ErinToken)).GetProperty("versions")[0].GetProperty("version").GetInt32();
        var document = JsonNode.Parse(await Admin(ErinToken).GetStringAsync($"policies/versions/{newest}"))!;
        return (newest, document["policies"]!.AsArray().Single(p => (string?)p!["Name"] == "shop")!.AsObject());
    }

    /// <summary>POST /policies/versions of policy 'shop' with these masks and rules.</summary>
    protected Task<HttpResponseMessage> EditShopAsync(string token, int baseVersion, string reason, JsonNode? masks, JsonNode? rules) =>
        Admin(token).PostAsJsonAsync("policies/versions", new { baseVersion, reason, policy = "shop", masks, rules });

    protected static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Runs SQL on the version table (og_policy.versions, in the audit database of an all-in-one gateway), as anyone who can write that database could.</summary>
    protected async Task<int> VersionTableAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Postgres.AuditConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("service", ServiceId);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync();
    }
}
