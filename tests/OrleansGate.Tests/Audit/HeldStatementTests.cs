using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// Until approvals exist, a statement a Hold rule matches is refused — never forwarded
/// unapproved — and the client is told why.
/// </summary>
public sealed class HeldStatementTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    protected override void Configure(JsonObject configuration) =>
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "main", "Rules": [
              { "Name": "hold-copy-out", "Kinds": ["CopyTo"], "Action": "Hold", "ApproverGroups": ["approvers"] } ] }
            """);

    [Fact]
    public async Task A_held_copy_is_refused_with_the_reason_and_the_session_goes_on()
    {
        await using var connection = await OpenViaGatewayAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            using var reader = await connection.BeginTextExportAsync("COPY secrets TO STDOUT");
            await reader.ReadToEndAsync();
        });

        Assert.Equal("42501", error.SqlState);
        Assert.Contains("held for approval by rule 'hold-copy-out'", error.MessageText, StringComparison.Ordinal);
        Assert.Contains("nobody can approve it here", error.MessageText, StringComparison.Ordinal);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM secrets", connection);
        Assert.Equal(10L, await count.ExecuteScalarAsync());
    }
}
