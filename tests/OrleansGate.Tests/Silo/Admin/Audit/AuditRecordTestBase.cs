using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Audit;

/// <summary>The API tests of the history, verification and audit views: a gateway per test over <see cref="AuditRecordSetup"/>.</summary>
public abstract class AuditRecordTestBase(PostgresFixture postgres) : HeldCopyTestBase(postgres)
{
    protected const string DanaToken = AuditRecordSetup.DanaToken;

    protected const string Blocked = AuditRecordSetup.Blocked;

    protected string Schema { get; } = AuditRecordSetup.NewSchema();

    protected override bool SharesGatewayWithClass => false;

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        AuditRecordSetup.Configure(configuration, Schema);
    }

    protected Task<string> RunSessionAsync(string user, params string[] statements) => AuditRecordSetup.RunSessionAsync(Gateway, user, statements);

    protected Task<List<JsonElement>> HistoryAsync(string token, string query = "") => AuditRecordSetup.HistoryAsync(Admin(token), query);

    protected Task<string> SessionIdAsync(string application) => AuditRecordSetup.SessionIdAsync(Admin(DanaToken), application);

    /// <summary>Changes one stored event of the session with SQL, as someone with write access to the audit database could.</summary>
    protected async Task TamperAsync(string sql, string sessionId)
    {
        await using var connection = new NpgsqlConnection(Postgres.AuditConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("<s>", Schema, StringComparison.Ordinal), connection);
        command.Parameters.AddWithValue("id", sessionId);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
