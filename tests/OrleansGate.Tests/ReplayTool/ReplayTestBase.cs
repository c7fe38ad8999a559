using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGate.Demo.Provisioning;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool;

/// <summary>
/// A shop whose customers.ssn is masked and where analysts (alice) may not delete, a scripted psql
/// workload through the gateway, and the replay tool run as a process against the audit database.
/// </summary>
[Collection(ThirdPostgresCollection.Name)]
public abstract class ReplayTestBase(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    /// <summary>The scripted session: allowed, masked, a write, blocked, an error — in this order.</summary>
    public static readonly string[] Script =
    [
        "SELECT id, total FROM orders WHERE id <= 3 ORDER BY id;",
        "SELECT name, ssn FROM customers ORDER BY id;",
        "INSERT INTO orders (id, customer_id, total, note) SELECT max(id) + 1, 1, 1, 'replay' FROM orders;",
        "DELETE FROM orders WHERE id = 1;",
        "SELECT 1/0;",
    ];

    private string? _configFile;

    protected override string SetUpDatabaseSql => """
        CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, ssn text);
        INSERT INTO customers VALUES (1, 'Ann', '123-45-6789'), (2, 'Bob', '987-65-4321'), (3, 'Cy', '555-11-2222');
        CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, total numeric NOT NULL, note text);
        INSERT INTO orders VALUES (1, 1, 9.99, 'first'), (2, 1, 5, 'second'), (3, 2, 100, 'third');
        """;

    protected override void Configure(JsonObject configuration)
    {
        GatewayConfig.UseMaskingKey(configuration);
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "shop",
              "Masks": [ { "Column": "public.customers.ssn", "Strategy": "Redact" } ],
              "Rules": [ { "Name": "no-deletes", "Groups": ["analysts"], "Kinds": ["Delete", "Truncate", "Ddl"], "Action": "Block" } ] }
            """);
    }

    protected static string Token() => Guid.NewGuid().ToString("N")[..12];

    /// <summary>Runs <see cref="Script"/> through the gateway with psql as alice; returns the session id.</summary>
    protected async Task<string> RunScriptedSessionAsync(string application)
    {
        var file = Path.Combine(Path.GetTempPath(), $"replay-{application}.sql");
        await File.WriteAllLinesAsync(file, Script);
        try
        {
            var connection = Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main") + $" application_name={application}";
            var psql = await ClientTools.PsqlAsync(connection, ["-v", "ON_ERROR_STOP=0", "-f", file]);
            if (!psql.Output.Contains("division by zero", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the scripted psql session did not run as expected:\n{psql.Output}");
            }
        }
        finally
        {
            File.Delete(file);
        }

        var stream = await AuditRecord.EndedSessionOfApplicationAsync(Postgres, application);
        return stream[0].StreamId;
    }

    /// <summary>A --config file naming the audit store, as an operator's would.</summary>
    protected string ConfigFile()
    {
        if (_configFile is null)
        {
            _configFile = Path.Combine(Path.GetTempPath(), $"replay-config-{Token()}.json");
            var config = new JsonObject
            {
                ["OrleansGate"] = new JsonObject
                {
                    ["AuditStore"] = new JsonObject { ["ConnectionString"] = Postgres.AuditConnectionString },
                    ["Secrets"] = new JsonObject { ["AuditKey"] = GatewayConfig.AuditKeyBase64 },
                },
            };
            File.WriteAllText(_configFile, config.ToJsonString());
        }

        return _configFile;
    }

    /// <summary>
    /// Runs a replay tool command (<c>OrleansGate.ReplayTool --config FILE …</c>) through its entry
    /// point in this process; <see cref="CliAsync"/> runs the tool as its own process.
    /// </summary>
    protected Task<ProcessResult> ReplayAsync(params string[] arguments) => InProcessReplay.RunAsync(["--config", ConfigFile(), .. arguments]);

    /// <summary>The tool as its own process, with no OrleansGate__ environment variables but <paramref name="environment"/>.</summary>
    protected static Task<ProcessResult> CliAsync(string[] arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        ReplayToolProcess.RunAsync(arguments, environment);

    /// <summary>Starts the tool as a long-running process (e.g. <c>projections daemon</c>); the caller kills it.</summary>
    protected Process StartReplay(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetTempPath(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[ReplayToolProcess.ToolPath(), "--config", ConfigFile(), .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    protected static JsonElement Json(ProcessResult result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"exit {result.ExitCode}: {result.Output}");
        }

        try
        {
            using var document = JsonDocument.Parse(result.StandardOutput);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"not JSON ({e.Message}):\n{result.StandardOutput}", e);
        }
    }

    public override async Task DisposeAsync()
    {
        if (_configFile is not null)
        {
            File.Delete(_configFile);
        }

        await base.DisposeAsync();
    }
}
