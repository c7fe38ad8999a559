using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>Policies follow the configuration file: a sound change applies to live sessions, a broken one is refused.</summary>
public sealed class PolicyReloadTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    protected override bool WatchesConfigFile => true;

    [Fact]
    public async Task A_changed_rule_applies_to_a_live_session_and_a_broken_file_leaves_the_rules_in_force()
    {
        await using var connection = await OpenViaGatewayAsync();
        Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => UpdateAsync(connection))).SqlState);

        // Analysts may now update; only deletes stay blocked.
        var configuration = (JsonObject)JsonNode.Parse(await File.ReadAllTextAsync(WatchedConfigFile))!;
        configuration["OrleansGate"]!["Policies"]![0]!["Rules"]![0]!["Kinds"] = new JsonArray("Delete");
        await ConfigReload.RewriteAndWaitAsync(Gateway, WatchedConfigFile, configuration);

        Assert.Equal(1, await UpdateAsync(connection));

        // A typo in the file: refused, logged with its key, and the rules in force stay.
        configuration["OrleansGate"]!["Policies"]![0]!["Rules"]![0]!["Kinds"] = new JsonArray("Delet");
        await ConfigReload.RewriteAndWaitForRefusalAsync(Gateway, WatchedConfigFile, configuration, "Policies:0:Rules:0:Kinds:0");

        Assert.Equal(1, await UpdateAsync(connection));
        await using var delete = new NpgsqlCommand("DELETE FROM secrets", connection);
        Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => delete.ExecuteNonQueryAsync())).SqlState);
        Assert.Equal(10, await SecretsLeftAsync());
    }

    private static async Task<int> UpdateAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("UPDATE secrets SET value = value WHERE id = 1", connection);
        return await command.ExecuteNonQueryAsync();
    }
}
