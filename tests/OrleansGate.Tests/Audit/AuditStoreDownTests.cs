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
        configuration.Section("AuditStore")["CommitTimeout"] = "00:00:05";
        // Under the commit timeout: a commit can be slower than the wait for it (a login refused while its start commits).
        configuration.Section("Proxy")["DecisionTimeout"] = "00:00:01.500";
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

    [Fact]
    public async Task A_session_that_ends_while_the_audit_store_is_down_is_sealed_once_it_is_back()
    {
        var app = "ended-while-down-" + Token();
        await using (var connection = await OpenViaGatewayAsync(b => b.ApplicationName = app))
        {
            Assert.Equal(app, await TouchAsync(connection, app));
            await _auditServer.KillAsync();
        }

        // The client has gone; its end could not be recorded. Nothing else is asked of the gateway.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await _auditServer.RestartAsync();

        var audit = new NpgsqlConnectionStringBuilder(_auditServer.ConnectionString("postgres")) { Pooling = false }.ConnectionString;
        var streams = await Eventually.HoldsAsync(() => StreamsOfApplicationAsync(audit, app),
            s => s.Count == 1 && s.Single().Value[^1] == "session_ended", TimeSpan.FromSeconds(60));
        var (session, types) = streams.Single();
        Assert.Equal("session_started", types[0]);
        Assert.Single(types, "session_ended");
        var verdict = InProcessVerify.SingleVerdict(await InProcessVerify.RunAsync(audit, session));
        Assert.Equal("sealed", (string?)verdict["status"]);
    }

    [Fact]
    public async Task A_login_refused_while_its_start_was_slow_to_commit_is_not_left_open_in_the_record()
    {
        // The start's commit waits for this lock past the login's wait (the gateway's 1.5 s decision
        // timeout here, under the 5 s commit timeout), then commits after the login was refused.
        var app = "slow-start-" + Token();
        var audit = new NpgsqlConnectionStringBuilder(_auditServer.ConnectionString("postgres")) { Pooling = false }.ConnectionString;
        await using (var locker = new NpgsqlConnection(audit))
        {
            await locker.OpenAsync();
            await using var transaction = await locker.BeginTransactionAsync();
            await using (var lockEvents = new NpgsqlCommand("LOCK TABLE og_audit.mt_events IN EXCLUSIVE MODE", locker, transaction))
            {
                await lockEvents.ExecuteNonQueryAsync();
            }

            var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenViaGatewayAsync(b => b.ApplicationName = app));
            Assert.Equal("57P03", refused.SqlState);
            await Task.Delay(TimeSpan.FromMilliseconds(800));
            await transaction.CommitAsync();
        }

        // Every login attempt made under that name: the driver may try more than once before it gives up.
        var streams = await Eventually.HoldsAsync(() => StreamsOfApplicationAsync(audit, app),
            s => s.Count > 0 && s.Values.All(types => types[^1] == "session_ended"), TimeSpan.FromSeconds(30));
        foreach (var (session, types) in streams)
        {
            Assert.Equal(["session_started", "session_ended"], types);
            var verdict = InProcessVerify.SingleVerdict(await InProcessVerify.RunAsync(audit, session));
            Assert.Equal("ended by failure", (string?)verdict["status"]);
        }
    }

    /// <summary>The streams of the sessions started under that application_name, each with its event types in order.</summary>
    private static async Task<Dictionary<string, List<string>>> StreamsOfApplicationAsync(string audit, string app)
    {
        await using var connection = new NpgsqlConnection(audit);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT stream_id, type FROM og_audit.mt_events WHERE stream_id IN (SELECT stream_id FROM og_audit.mt_events " +
            "WHERE type = 'session_started' AND data->>'ApplicationName' = @app) ORDER BY stream_id, version", connection);
        command.Parameters.AddWithValue("app", app);
        var streams = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var stream = reader.GetString(0);
            (streams.TryGetValue(stream, out var types) ? types : streams[stream] = []).Add(reader.GetString(1));
        }

        return streams;
    }

    private static async Task<string?> TouchAsync(NpgsqlConnection connection, string note)
    {
        await using var command = new NpgsqlCommand($"SELECT touch('{note}')", connection);
        return (string?)await command.ExecuteScalarAsync();
    }
}
