using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Demo.Provisioning;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Relay;

/// <summary>
/// Upstream, a session's application_name names its identity (orleansgate:alice), so the
/// database's own views and logs say who is behind a statement; the client sees, and the record
/// keeps, the client's own name. A client's SET application_name is shown to the client and undone
/// upstream before anything else of the client's runs; every other way to change it is refused.
/// </summary>
public sealed class UpstreamApplicationNameTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    // A server of its own that logs every statement with %a, for the server-log test.
    private static readonly Lazy<Task<LocalPostgresCluster>> Logged = new(() => LocalPostgresCluster.StartAsync(new LocalClusterOptions
    {
        Settings = new Dictionary<string, string> { ["log_line_prefix"] = "'app=%a '", ["log_statement"] = "'all'" },
    }));

    public override async Task InitializeAsync()
    {
        await Logged.Value;
        await base.InitializeAsync();
    }

    protected override void Configure(JsonObject configuration)
    {
        var server = new NpgsqlConnectionStringBuilder(Logged.Value.Result.AdminConnectionString);
        var logged = GatewayConfig.Target("logged", Postgres, "postgres", server.Username!);
        logged["Host"] = server.Host;
        logged["Port"] = server.Port;
        logged["Password"] = server.Password;
        configuration.Targets().Add(logged);
    }

    [Fact]
    public async Task Upstream_the_session_is_named_after_its_identity_while_the_client_sees_and_the_record_keeps_its_own_name()
    {
        var application = "report-" + Guid.NewGuid().ToString("N")[..6];
        await using var connection = await OpenViaGatewayAsync(b => b.ApplicationName = application);

        Assert.Equal(application, connection.PostgresParameters["application_name"]);
        Assert.Equal("orleansgate:alice", await UpstreamNameAsync(connection));
        var started = (await AuditRecord.SessionOfApplicationAsync(Postgres, application))[0];
        Assert.Equal(application, started.Text("ApplicationName"));
    }

    [Fact]
    public async Task A_client_s_SET_is_shown_to_the_client_and_undone_upstream_in_and_out_of_transactions()
    {
        await using var connection = await OpenViaGatewayAsync(b => b.ApplicationName = "own-name");

        await ExecuteAsync(connection, "SET application_name = 'sneaky'");
        Assert.Equal("sneaky", connection.PostgresParameters["application_name"]);
        Assert.Equal("orleansgate:alice", await UpstreamNameAsync(connection));

        // RESET goes back to the session's default: upstream the identity's, for the client its own.
        await ExecuteAsync(connection, "SET application_name = 'again'");
        await ExecuteAsync(connection, "RESET application_name");
        Assert.Equal("own-name", connection.PostgresParameters["application_name"]);
        Assert.Equal("orleansgate:alice", await UpstreamNameAsync(connection));

        await ExecuteAsync(connection, "BEGIN");
        await ExecuteAsync(connection, "SET LOCAL application_name = 'in-transaction'");
        Assert.Equal("orleansgate:alice", await UpstreamNameAsync(connection));
        await ExecuteAsync(connection, "COMMIT");
        Assert.Equal("orleansgate:alice", await UpstreamNameAsync(connection));

        // The session goes on in step: the gateway's own replies never reached the client.
        await using var command = new NpgsqlCommand("SELECT 41 + 1", connection);
        Assert.Equal(42, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Psql_sets_it_in_simple_queries_and_the_server_still_sees_the_identity()
    {
        var result = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"),
            ["-A", "-t", "-c", "SET application_name = 'psql-renamed'", "-c", "SHOW application_name",
                "-c", "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()"]);

        Assert.True(result.ExitCode == 0, result.Output);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("orleansgate:alice", lines[^1]);
    }

    [Theory]
    [InlineData("SELECT set_config('application_name', 'x', false)", "default:application-name")]
    [InlineData("SET application_name = 'x'; SELECT 1", "must be the last statement")]
    [InlineData("CREATE FUNCTION og_rename() RETURNS int LANGUAGE sql SET application_name = 'x' RETURN 1", "default:application-name")]
    public async Task Every_other_way_to_change_it_is_refused_and_nothing_of_it_runs(string sql, string expected)
    {
        var result = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"), ["-c", sql]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Output, StringComparison.Ordinal);
        await using var connection = await OpenViaGatewayAsync();
        await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_proc WHERE proname = 'og_rename'", connection);
        Assert.Equal(0L, await exists.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_driver_batch_that_sets_it_before_another_statement_is_refused_whole()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { new NpgsqlBatchCommand("SET application_name = 'x'"), new NpgsqlBatchCommand("SELECT pg_sleep(0)") },
        };

        var refused = await Assert.ThrowsAsync<PostgresException>(() => batch.ExecuteNonQueryAsync());
        Assert.Equal("42501", refused.SqlState);
        Assert.Equal("orleansgate:alice", await UpstreamNameAsync(connection));
    }

    [Fact]
    public async Task The_server_log_names_the_identity_of_each_statement()
    {
        var marker = "logged-" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = new NpgsqlConnection(Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, "logged")))
        {
            await connection.OpenAsync();
            await ExecuteAsync(connection, "SET application_name = 'hidden'");
            await ExecuteAsync(connection, $"SELECT '{marker}'");
        }

        var log = await Eventually.HoldsAsync(async () => await ReadSharedAsync(Logged.Value.Result.LogFile), l => l.Contains(marker, StringComparison.Ordinal),
            TimeSpan.FromSeconds(10));
        var line = log.Split('\n').Single(l => l.Contains($"SELECT '{marker}'", StringComparison.Ordinal));
        Assert.Contains("app=orleansgate:alice ", line, StringComparison.Ordinal);
    }

    private async Task<string> UpstreamNameAsync(NpgsqlConnection viaGateway)
    {
        await using var pid = new NpgsqlCommand("SELECT pg_backend_pid()", viaGateway);
        var backend = (int)(await pid.ExecuteScalarAsync())!;
        await using var direct = new NpgsqlConnection(Postgres.DirectConnectionString(Database));
        await direct.OpenAsync();
        await using var name = new NpgsqlCommand("SELECT application_name FROM pg_stat_activity WHERE pid = @pid", direct);
        name.Parameters.AddWithValue("pid", backend);
        return (string)(await name.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
