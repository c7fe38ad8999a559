using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// A target with secrets to protect and a witness of what ran upstream: touch(note) inserts a row
/// into touches with the server's clock, so a test can see whether (and when) a statement ran.
/// The target follows the INTERFACE.md example policy: analysts are read-only.
/// </summary>
public abstract class AuditTestBase(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    protected override string SetUpDatabaseSql => """
        CREATE TABLE secrets (id int PRIMARY KEY, value text NOT NULL);
        INSERT INTO secrets SELECT n, 'secret ' || n FROM generate_series(1, 10) AS n;
        CREATE TABLE touches (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(), note text NOT NULL);
        CREATE FUNCTION touch(note text) RETURNS text LANGUAGE sql VOLATILE
          AS $$ INSERT INTO touches (note) VALUES (note) RETURNING note $$;
        """;

    protected override void Configure(JsonObject configuration) =>
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "main", "Rules": [
              { "Name": "analysts-read-only", "Groups": ["analysts"],
                "Kinds": ["Insert", "Update", "Delete", "Merge", "Truncate", "Ddl"], "Action": "Block" } ] }
            """);

    protected static string Token() => Guid.NewGuid().ToString("N")[..12];

    /// <summary>The notes of rows touch() wrote, read directly from the target.</summary>
    protected async Task<List<string>> TouchesAsync()
    {
        await using var connection = await OpenDirectAsync();
        await using var command = new NpgsqlCommand("SELECT note FROM touches ORDER BY id", connection);
        var notes = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            notes.Add(reader.GetString(0));
        }

        return notes;
    }

    protected async Task<long> SecretsLeftAsync()
    {
        await using var connection = await OpenDirectAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM secrets", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
