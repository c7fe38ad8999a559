using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Hosting;

/// <summary>
/// Silos start side by side (compose starts both silos once their databases are healthy): two
/// gateways creating the same audit tables at once must both start, and write into the same tables.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditSchemaTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Two_gateways_starting_at_once_on_a_new_audit_schema_both_start_and_record()
    {
        for (var round = 0; round < 3; round++)
        {
            var schema = "og_race_" + Guid.NewGuid().ToString("N")[..8];
            var database = await postgres.DatabaseForClassAsync(typeof(AuditSchemaTests), null);
            var configurations = Enumerable.Range(0, 2).Select(_ =>
            {
                var configuration = GatewayConfig.Standard(postgres, database);
                configuration.Section("AuditStore")["Schema"] = schema;
                return configuration;
            }).ToArray();

            var gateways = await Task.WhenAll(configurations.Select(c => TestGateway.StartAsync(c)));
            try
            {
                foreach (var gateway in gateways)
                {
                    await using var connection = new NpgsqlConnection(gateway.ConnectionString("alice", GatewayConfig.AlicePassword, "main"));
                    await connection.OpenAsync();
                    await using var command = new NpgsqlCommand("SELECT 1", connection);
                    Assert.Equal(1, await command.ExecuteScalarAsync());
                }
            }
            finally
            {
                foreach (var gateway in gateways)
                {
                    await gateway.DisposeAsync();
                }
            }

            await using var audit = new NpgsqlConnection(postgres.AuditConnectionString);
            await audit.OpenAsync();
            await using var count = new NpgsqlCommand($"SELECT count(DISTINCT stream_id) FROM {schema}.mt_events WHERE type = 'statement_decided'", audit);
            Assert.Equal(2L, await count.ExecuteScalarAsync());
        }
    }
}
