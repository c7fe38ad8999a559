using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Audit;

/// <summary>
/// What the history and audit-view tests (API and browser) set up alike: an audit record in a
/// schema of their own, so they see only their sessions; an auditor dana (group auditors, in
/// Admin:AuditorGroups, allowed on no target); sessions run as alice or bob and ended.
/// </summary>
public static class AuditRecordSetup
{
    public const string DanaToken = "dana-api-token-00001";

    public const string Blocked = "SELECT pg_read_file('/etc/passwd')";

    public static string NewSchema() => "og_hist_" + Guid.NewGuid().ToString("N")[..12];

    public static void Configure(JsonObject configuration, string schema)
    {
        configuration.Section("AuditStore")["Schema"] = schema;
        configuration.Section("Admin")["AuditorGroups"] = new JsonArray("auditors");
        var dana = GatewayConfig.Identity("dana", "dana-secret", "auditors");
        dana["ApiToken"] = DanaToken;
        ((JsonArray)configuration["OrleansGate"]!["Identities"]!).Add(dana);
    }

    /// <summary>Runs the statements as <paramref name="user"/> on main (refused ones are expected) and closes the session; returns its application name.</summary>
    public static async Task<string> RunSessionAsync(TestGateway gateway, string user, params string[] statements)
    {
        var application = "hist-" + Guid.NewGuid().ToString("N")[..10];
        var password = user == "bob" ? GatewayConfig.BobPassword : GatewayConfig.AlicePassword;
        var source = new NpgsqlDataSourceBuilder(gateway.ConnectionString(user, password, "main", b =>
        {
            b.ApplicationName = application;
            b.Pooling = false;
        }));
        // Only the test's statements in the record: no queries of pg_type when the connection opens.
        source.ConfigureTypeLoading(t => t.EnableTypeLoading(false));
        await using var dataSource = source.Build();
        await using (var connection = dataSource.CreateConnection())
        {
            await connection.OpenAsync();
            foreach (var sql in statements)
            {
                await using var command = new NpgsqlCommand(sql, connection);
                try
                {
                    await using var reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                    }
                }
                catch (PostgresException e) when (e.SqlState == "42501")
                {
                    // A blocked statement; the session goes on.
                }
            }
        }

        return application;
    }

    /// <summary>GET /audit/sessions with this query string, as the client's identity sees it.</summary>
    public static async Task<List<JsonElement>> HistoryAsync(HttpClient admin, string query = "")
    {
        var response = await admin.GetAsync("audit/sessions" + query);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessions").EnumerateArray()];
    }

    /// <summary>The id of the session of <paramref name="application"/>, once the history (read by an auditor) shows it ended.</summary>
    public static async Task<string> SessionIdAsync(HttpClient auditor, string application)
    {
        var sessions = await Eventually.HoldsAsync(() => HistoryAsync(auditor),
            listed => listed.Any(s => s.GetProperty("applicationName").GetString() == application && s.GetProperty("end").ValueKind != JsonValueKind.Null));
        return sessions.Single(s => s.GetProperty("applicationName").GetString() == application).GetProperty("id").GetString()!;
    }
}
