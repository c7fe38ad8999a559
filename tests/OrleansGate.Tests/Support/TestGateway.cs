using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Microsoft.Extensions.Logging;
using OrleansGate.Proxy.Hosting;
using OrleansGate.Silo.Hosting;

namespace OrleansGate.Tests.Support;

/// <summary>
/// The gateway, running in the test process on a free loopback port, configured from a JSON
/// object exactly as an operator's file would configure it.
/// </summary>
public sealed class TestGateway : IAsyncDisposable
{
    private readonly IHost _host;

    private TestGateway(IHost host, JsonObject configuration, RecordingLoggerProvider log)
    {
        Log = log;
        _host = host;
        Configuration = configuration;
        Server = host.Services.GetRequiredService<ProxyServer>();
    }

    public ProxyServer Server { get; }

    /// <summary>The gateway's warnings and errors, for tests that assert something was (or was not) logged.</summary>
    public RecordingLoggerProvider Log { get; }

    public IServiceProvider Services => _host.Services;

    public JsonObject Configuration { get; }

    public int Port => Server.BoundEndPoint.Port;

    /// <summary>
    /// Starts a gateway. With <paramref name="configFile"/> the configuration is written there and
    /// read from it the way an operator's --config file is, watched for changes.
    /// <paramref name="services"/> replace the gateway's own (registered after them).
    /// </summary>
    public static async Task<TestGateway> StartAsync(JsonObject configuration, string? configFile = null, Action<IServiceCollection>? services = null)
    {
        var gateway = (JsonObject)configuration["OrleansGate"]!;
        gateway["Proxy"] ??= new JsonObject();
        var proxy = (JsonObject)gateway["Proxy"]!;
        proxy["Listen"] ??= "127.0.0.1:0";
        var cluster = configuration.Section("Cluster");
        cluster["SiloPort"] ??= 0;
        cluster["GatewayPort"] ??= 0;
        // Test gateways share one audit database, where AllInOne keeps grain state: each is its own
        // service there (a restart reuses the configuration, and with it the service id).
        cluster["ServiceId"] ??= "test-" + Guid.NewGuid().ToString("N")[..12];

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (configFile is null)
        {
            builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(configuration.ToJsonString())));
        }
        else
        {
            await File.WriteAllTextAsync(configFile, configuration.ToJson());
            builder.Configuration.AddJsonFile(configFile, optional: false, reloadOnChange: true);
        }

        var log = new RecordingLoggerProvider();
        builder.Logging.AddProvider(log);
        SiloHost.AddGateway(builder);
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new TestGateway(host, configuration, log);
    }

    /// <summary>
    /// Names this gateway in its connection strings: Npgsql keeps what it learnt of a database's
    /// types per connection string, and a later gateway can get the same port with another
    /// database behind "main" (a citext column read as an unknown type, otherwise).
    /// </summary>
    private readonly string _name = "og-test-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>An Npgsql connection string to the gateway (no pooling, so each open is a real login).</summary>
    public string ConnectionString(string user, string password, string database, Action<NpgsqlConnectionStringBuilder>? configure = null)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = user, Password = password, Database = database,
            Pooling = false, SslMode = SslMode.Disable, Timeout = 15, CommandTimeout = 60, ApplicationName = _name,
        };
        configure?.Invoke(builder);
        return builder.ConnectionString;
    }

    /// <summary>A libpq keyword/value connection string for psql and pgbench.</summary>
    public string LibpqConnectionString(string user, string password, string database, string sslMode = "disable") =>
        $"host=127.0.0.1 port={Port} dbname={database} user={user} password={password} sslmode={sslMode} connect_timeout=15";

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }
}

/// <summary>The usual test configuration: identities in groups, one target per upstream password method.</summary>
public static class GatewayConfig
{
    public const string AlicePassword = "alice-secret";
    public const string BobPassword = "bob-secret";
    public const string CarolPassword = "carol-secret";

    /// <summary>The audit chain key of every test gateway (bytes 100..131), so tests and verify can recompute chains.</summary>
    public static readonly byte[] AuditKey = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();

    public static string AuditKeyBase64 => Convert.ToBase64String(AuditKey);

    /// <summary>alice (analysts) and bob (approvers) may use every target; carol (outsiders) none.</summary>
    public static JsonObject Standard(PostgresFixture postgres, string database) => new()
    {
        ["OrleansGate"] = new JsonObject
        {
            ["AuditStore"] = new JsonObject { ["ConnectionString"] = postgres.AuditConnectionString },
            ["Secrets"] = new JsonObject { ["AuditKey"] = AuditKeyBase64 },
            ["Identities"] = new JsonArray(
                Identity("alice", AlicePassword, "analysts"),
                Identity("bob", BobPassword, "approvers"),
                Identity("carol", CarolPassword, "outsiders")),
            ["Targets"] = new JsonArray(
                Target("main", postgres, database, PostgresFixture.ScramUser),
                Target("md5", postgres, database, PostgresFixture.Md5User),
                Target("cleartext", postgres, database, PostgresFixture.CleartextUser)),
        },
    };

    public static JsonObject Identity(string name, string password, params string[] groups) => new()
    {
        ["Name"] = name,
        ["Password"] = password,
        ["Groups"] = new JsonArray(groups.Select(g => (JsonNode)g).ToArray()),
    };

    public static JsonObject Target(string name, PostgresFixture postgres, string database, string user, string sslMode = "Disable") => new()
    {
        ["Name"] = name,
        ["Host"] = postgres.Server.Host,
        ["Port"] = postgres.Server.Port,
        ["Database"] = database,
        ["Username"] = user,
        ["Password"] = postgres.UpstreamPassword,
        ["SslMode"] = sslMode,
        ["Groups"] = new JsonArray("analysts", "approvers"),
    };

    public static JsonObject Section(this JsonObject configuration, string name)
    {
        var gateway = (JsonObject)configuration["OrleansGate"]!;
        if (gateway[name] is not JsonObject section)
        {
            section = new JsonObject();
            gateway[name] = section;
        }

        return section;
    }

    /// <summary>Adds a policy (given as JSON) and makes the named target follow it.</summary>
    public static void UsePolicy(JsonObject configuration, string target, string policyJson)
    {
        var gateway = (JsonObject)configuration["OrleansGate"]!;
        if (gateway["Policies"] is not JsonArray policies)
        {
            policies = new JsonArray();
            gateway["Policies"] = policies;
        }

        var policy = JsonNode.Parse(policyJson)!.AsObject();
        policies.Add(policy);
        configuration.Targets().OfType<JsonObject>().Single(t => (string?)t["Name"] == target)["Policy"] = (string?)policy["Name"];
    }

    /// <summary>A fixed masking key (bytes 0..31), so hashed values are the same in every run.</summary>
    public static void UseMaskingKey(JsonObject configuration) =>
        configuration.Section("Secrets")["MaskingKey"] = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    public static JsonArray Targets(this JsonObject configuration) => (JsonArray)configuration["OrleansGate"]!["Targets"]!;

    public static string ToJson(this JsonObject configuration) =>
        configuration.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
