using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrleansGate.Grains.Audit;
using OrleansGate.Proxy.Hosting;
using OrleansGate.Silo.Hosting;

namespace OrleansGate.Bench.StatementPath.RoundTrip;

/// <summary>
/// One pgbench-style SELECT by Npgsql, whole: frame in, parse, the session grain's decision, the
/// chained event, the audit append, the statement upstream and its rows back to the client. The
/// gateway runs in this process (the all-in-one host of OrleansGate.Silo) so the memory diagnoser
/// counts what it allocates; the client's own share is the <see cref="Route.Direct"/> figure.
/// Run by bench/roundtrip.sh, which provisions PostgreSQL and sets the OG_BENCH_* variables.
/// </summary>
[MemoryDiagnoser]
public class StatementRoundTripBenchmarks
{
    private const string Sql = "SELECT abalance FROM pgbench_accounts WHERE aid = $1";

    public enum Route
    {
        /// <summary>Npgsql straight to PostgreSQL: the client's and the server's share.</summary>
        Direct,

        /// <summary>Through the gateway, the audit record kept in memory (<see cref="MemoryAuditLog"/>).</summary>
        GatewayAuditInMemory,

        /// <summary>Through the gateway as deployed: every statement durably recorded before it goes upstream.</summary>
        GatewayAuditInPostgres,
    }

    [Params(Route.Direct, Route.GatewayAuditInMemory, Route.GatewayAuditInPostgres)]
    public Route Through { get; set; }

    private IHost? _gateway;
    private NpgsqlConnection _connection = null!;
    private NpgsqlCommand _prepared = null!;
    private NpgsqlCommand _unprepared = null!;
    private int _aid;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        var port = int.Parse(Variable("OG_BENCH_PG_PORT"), System.Globalization.CultureInfo.InvariantCulture);
        var targetPassword = Variable("OG_BENCH_TARGET_PASSWORD");
        string connectionString;
        if (Through == Route.Direct)
        {
            connectionString = $"Host=127.0.0.1;Port={port};Database=bench;Username=bench;Password={targetPassword};SSL Mode=Disable;Pooling=false";
        }
        else
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            _gateway = await StartGatewayAsync(port, targetPassword, password).ConfigureAwait(false);
            var gatewayPort = _gateway.Services.GetRequiredService<ProxyServer>().BoundEndPoint.Port;
            connectionString = $"Host=127.0.0.1;Port={gatewayPort};Database=bench;Username=bench;Password={password};SSL Mode=Disable;Pooling=false";
        }

        _connection = new NpgsqlConnection(connectionString);
        await _connection.OpenAsync().ConfigureAwait(false);
        _prepared = Command();
        await _prepared.PrepareAsync().ConfigureAwait(false);
        _unprepared = Command();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _prepared.Dispose();
        _unprepared.Dispose();
        _connection.Dispose();
        if (_gateway is not null)
        {
            _gateway.StopAsync().GetAwaiter().GetResult();
            _gateway.Dispose();
        }
    }

    /// <summary>Bind/Execute/Sync of a statement prepared once (pgbench -M prepared).</summary>
    [Benchmark]
    public Task<object?> Prepared() => RunAsync(_prepared);

    /// <summary>Parse/Bind/Describe/Execute/Sync of the unnamed statement each time (pgbench -M extended).</summary>
    [Benchmark]
    public Task<object?> Unprepared() => RunAsync(_unprepared);

    private Task<object?> RunAsync(NpgsqlCommand command)
    {
        _aid = _aid % 100_000 + 1;
        command.Parameters[0].Value = _aid;
        return command.ExecuteScalarAsync();
    }

    private NpgsqlCommand Command()
    {
        var command = new NpgsqlCommand(Sql, _connection);
        command.Parameters.Add(new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, TypedValue = 1 });
        return command;
    }

    private async Task<IHost> StartGatewayAsync(int port, string targetPassword, string gatewayPassword)
    {
        // The realistic policy of bench/relay.sh: masks, a hold and a block on tables the statement does not read.
        var configuration = JsonNode.Parse($$"""
        {
          "Logging": { "LogLevel": { "Default": "Warning" } },
          "OrleansGate": {
            "Proxy": { "Listen": "127.0.0.1:0" },
            "Cluster": { "SiloPort": 0, "GatewayPort": 0, "ServiceId": "bench-{{Guid.NewGuid():N}}" },
            "AuditStore": { "ConnectionString": "Host=127.0.0.1;Port={{port}};Database=og_audit;Username=og_audit;Password={{Variable("OG_BENCH_AUDIT_PASSWORD")}}" },
            "Secrets": { "AuditKey": "{{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}}",
                         "MaskingKey": "{{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}}" },
            "Identities": [ { "Name": "bench", "Password": "{{gatewayPassword}}", "Groups": ["bench"] } ],
            "Targets": [ { "Name": "bench", "Host": "127.0.0.1", "Port": {{port}}, "Database": "bench", "Username": "bench",
                           "Password": "{{targetPassword}}", "SslMode": "Disable", "Groups": ["bench"], "Policy": "bench" } ],
            "Policies": [ { "Name": "bench",
              "Masks": [ { "Column": "public.customers.ssn", "Strategy": "Redact" },
                         { "Column": "public.customers.email", "Strategy": "Email" } ],
              "Rules": [
                { "Name": "hold-payroll-writes", "Kinds": ["Update", "Delete"], "Relations": ["payroll"], "Action": "Hold", "ApproverGroups": ["approvers"] },
                { "Name": "no-truncate", "Kinds": ["Truncate"], "Action": "Block" } ] } ]
          }
        }
        """)!;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(configuration.ToJsonString())));
        SiloHost.AddGateway(builder);
        if (Through == Route.GatewayAuditInMemory)
        {
            // Registered last, so the session grain gets it instead of the Marten writer.
            builder.Services.AddSingleton<IAuditLog>(new MemoryAuditLog());
        }

        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        return host;
    }

    private static string Variable(string name) => Environment.GetEnvironmentVariable(name)
        ?? throw new InvalidOperationException($"{name} is not set: run this benchmark through bench/roundtrip.sh");
}
