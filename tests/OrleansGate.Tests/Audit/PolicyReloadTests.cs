using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Grains.Policy;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>Policies follow the configuration file: a sound change applies to live sessions, a broken one is refused.</summary>
public sealed class PolicyReloadTests(PostgresFixture postgres) : AuditTestBase(postgres), IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("og-reload-");
    private string ConfigFile => Path.Combine(_work.FullName, "orleansgate.json");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Restart the gateway from a file, so that it watches it.
        await Gateway.DisposeAsync();
        var configuration = GatewayConfig.Standard(Postgres, Database);
        Configure(configuration);
        GatewayForFile = await TestGateway.StartAsync(configuration, ConfigFile);
    }

    private TestGateway GatewayForFile { get; set; } = null!;

    public override async Task DisposeAsync() => await GatewayForFile.DisposeAsync();

    [Fact]
    public async Task A_changed_rule_applies_to_a_live_session_and_a_broken_file_leaves_the_rules_in_force()
    {
        await using var connection = new NpgsqlConnection(GatewayForFile.ConnectionString("alice", GatewayConfig.AlicePassword, "main"));
        await connection.OpenAsync();
        Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => UpdateAsync(connection))).SqlState);

        // Analysts may now update; only deletes stay blocked.
        var configuration = (JsonObject)JsonNode.Parse(await File.ReadAllTextAsync(ConfigFile))!;
        configuration["OrleansGate"]!["Policies"]![0]!["Rules"]![0]!["Kinds"] = new JsonArray("Delete");
        await RewriteAndWaitAsync(configuration);

        Assert.Equal(1, await UpdateAsync(connection));

        // A typo in the file: refused, logged with its key, and the rules in force stay.
        configuration["OrleansGate"]!["Policies"]![0]!["Rules"]![0]!["Kinds"] = new JsonArray("Delet");
        await File.WriteAllTextAsync(ConfigFile, configuration.ToJson());
        await Eventually.HoldsAsync(() => GatewayForFile.Log.Errors.Any(e => e.Contains("Policies:0:Rules:0:Kinds:0", StringComparison.Ordinal)));

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

    private async Task RewriteAndWaitAsync(JsonObject configuration)
    {
        var store = (PolicyStore)GatewayForFile.Services.GetService(typeof(PolicyStore))!;
        var reloaded = new TaskCompletionSource();
        store.Reloaded += () => reloaded.TrySetResult();
        await File.WriteAllTextAsync(ConfigFile, configuration.ToJson());
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(15));
    }

    public void Dispose() => _work.Delete(recursive: true);
}
