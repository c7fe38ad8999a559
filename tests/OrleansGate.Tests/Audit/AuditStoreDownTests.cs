using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Demo.Provisioning;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// Invariant 1, the failing half: when the audit database is down nothing is forwarded — statements
/// are refused with a clear error — and once it is back the same sessions work again. The audit
/// store is a cluster of its own here, so it can be stopped without stopping the target.
/// </summary>
public sealed class AuditStoreDownTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    private LocalPostgresCluster _auditServer = null!;

    public override async Task InitializeAsync()
    {
        _auditServer = await LocalPostgresCluster.StartAsync(new LocalClusterOptions { MaxConnections = 50 });
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _auditServer.DisposeAsync();
    }

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        var audit = new NpgsqlConnectionStringBuilder(_auditServer.ConnectionString("postgres")) { Pooling = true, Timeout = 3 };
        configuration.Section("AuditStore")["ConnectionString"] = audit.ConnectionString;
        configuration.Section("AuditStore")["CommitTimeout"] = "00:00:03";
    }

    [Fact]
    public async Task Statements_are_refused_while_the_audit_store_is_down_and_run_again_once_it_is_back()
    {
        await ExecuteDirectAsync("TRUNCATE touches");
        await using var connection = await OpenViaGatewayAsync();
        Assert.Equal("before", await TouchAsync(connection, "before"));

        await _auditServer.KillAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => TouchAsync(connection, "while-down"));
        Assert.Equal("55000", refused.SqlState);
        Assert.Contains("could not record it in the audit log", refused.MessageText, StringComparison.Ordinal);
        var newSession = await Assert.ThrowsAsync<PostgresException>(() => OpenViaGatewayAsync());
        Assert.Equal("57P03", newSession.SqlState);
        Assert.Equal(["before"], await TouchesAsync());

        await _auditServer.RestartAsync();

        Assert.Equal("after", await TouchAsync(connection, "after"));
        await using (var fresh = await OpenViaGatewayAsync())
        {
            Assert.Equal("fresh", await TouchAsync(fresh, "fresh"));
        }

        Assert.Equal(["before", "after", "fresh"], await TouchesAsync());
    }

    private static async Task<string?> TouchAsync(NpgsqlConnection connection, string note)
    {
        await using var command = new NpgsqlCommand($"SELECT touch('{note}')", connection);
        return (string?)await command.ExecuteScalarAsync();
    }
}
