using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.ReplayTool.Cli;
using OrleansGate.Tests.Audit;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool.Verify;

/// <summary>One row of mt_events of a stream, as the tests tamper with it.</summary>
public sealed record ChainRow(long Version, string Type, long Position, JsonObject Data);

/// <summary>What verify printed and returned.</summary>
public sealed record VerifyRun(int ExitCode, string Output, string Error)
{
    /// <summary>The per-session results of a <c>--json</c> run.</summary>
    public JsonElement Result(string sessionId) =>
        JsonDocument.Parse(Output).RootElement.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("session").GetString() == sessionId);
}

/// <summary>
/// A gateway whose audit record lives in a schema of its own per test, so <c>verify --all</c> sees
/// only the test's sessions (a class whose tests verify one session at a time shares one schema,
/// and with it one gateway, across its tests: <see cref="Schema"/>); tampering is done with SQL on that schema's mt_events, as an attacker
/// with database access would; verify runs in-process through the CLI's entry point.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public abstract class IntegrityTestBase(PostgresFixture postgres) : AuditTestBase(postgres), IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("og-integrity-");

    private readonly string _schema = "og_int_" + Token();

    /// <summary>The audit schema of this test's gateway; a new one per test unless the class says otherwise.</summary>
    protected virtual string Schema => _schema;

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        configuration.Section("AuditStore")["Schema"] = Schema;
    }

    protected string ConfigFile(string? auditKey = null)
    {
        var path = Path.Combine(_work.FullName, $"verify-{Guid.NewGuid():N}.json");
        var config = new JsonObject
        {
            ["OrleansGate"] = new JsonObject
            {
                ["AuditStore"] = new JsonObject { ["ConnectionString"] = Postgres.AuditConnectionString, ["Schema"] = Schema },
                ["Secrets"] = new JsonObject { ["AuditKey"] = auditKey ?? GatewayConfig.AuditKeyBase64 },
            },
        };
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    protected string WorkFile(string name) => Path.Combine(_work.FullName, name);

    /// <summary>Runs <c>OrleansGate.ReplayTool --config … verify ARGS --json</c> in this process.</summary>
    protected async Task<VerifyRun> VerifyAsync(params string[] arguments)
    {
        var run = await InProcessReplay.RunAsync(["--config", ConfigFile(), "verify", .. arguments, "--json"]);
        return new VerifyRun(run.ExitCode, run.StandardOutput, run.StandardError);
    }

    /// <summary>A session of alice that runs two statements (or these) and ends; returns its id once its seal is in.</summary>
    protected async Task<string> RunSessionAsync(bool close = true, params string[] statements)
    {
        var application = "integrity-" + Token();
        var connection = await OpenViaGatewayAsync(b =>
        {
            b.ApplicationName = application;
            b.Pooling = false;
        });
        foreach (var sql in statements.Length > 0 ? statements : ["SELECT count(*) FROM secrets", "SELECT value FROM secrets WHERE id = 1"])
        {
            await using var command = new NpgsqlCommand(sql, connection);
            try
            {
                await command.ExecuteScalarAsync();
            }
            catch (PostgresException e) when (e.SqlState == "42501")
            {
                // Blocked by the policy: recorded all the same, which is what these tests need.
            }
        }

        var id = await SessionOfAsync(application);
        if (!close)
        {
            _open.Add(connection);
            return id;
        }

        await connection.DisposeAsync();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if ((await RowsAsync(id))[^1].Type == "session_ended")
            {
                return id;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"session {id} never ended in the record");
    }

    private readonly List<NpgsqlConnection> _open = [];

    protected Task<string> SessionOfApplicationAsync(string application) => SessionOfAsync(application);

    private async Task<string> SessionOfAsync(string application)
    {
        await using var connection = new NpgsqlConnection(Postgres.AuditConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT stream_id FROM {Schema}.mt_events WHERE type = 'session_started' AND data->>'ApplicationName' = @app", connection);
        command.Parameters.AddWithValue("app", application);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The stream's rows in version order.</summary>
    protected async Task<List<ChainRow>> RowsAsync(string sessionId)
    {
        await using var connection = new NpgsqlConnection(Postgres.AuditConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT version, type, data::text FROM {Schema}.mt_events WHERE stream_id = @id ORDER BY version", connection);
        command.Parameters.AddWithValue("id", sessionId);
        var rows = new List<ChainRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var data = JsonNode.Parse(reader.GetString(2))!.AsObject();
            rows.Add(new ChainRow(reader.GetInt64(0), reader.GetString(1), (long?)data["Position"] ?? 0, data));
        }

        return rows;
    }

    /// <summary>SQL on the audit database, with <c>&lt;s&gt;</c> standing for the test's schema and @id for the session.</summary>
    protected async Task TamperAsync(string sessionId, string sql)
    {
        await using var connection = new NpgsqlConnection(Postgres.AuditConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("<s>", Schema, StringComparison.Ordinal), connection);
        command.Parameters.AddWithValue("id", sessionId);
        await command.ExecuteNonQueryAsync();
    }

    public override async Task DisposeAsync()
    {
        foreach (var connection in _open)
        {
            await connection.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    public void Dispose()
    {
        _work.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }

    protected static void AssertBroken(VerifyRun run, string sessionId, string kind, long position)
    {
        Assert.True(run.ExitCode == ExitCodes.CheckFailed, $"exit {run.ExitCode}: {run.Output}{run.Error}");
        var result = run.Result(sessionId);
        Assert.Equal(kind, result.GetProperty("kind").GetString());
        Assert.Equal(position, result.GetProperty("position").GetInt64());
        Assert.Equal("tampered", result.GetProperty("status").GetString());
    }
}
