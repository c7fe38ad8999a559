using Npgsql;
using OrleansGate.Demo.Provisioning;
using Xunit;

namespace OrleansGate.Tests.Support;

/// <summary>
/// A test class against real PostgreSQL: its own database, named after the class and set up
/// once for the class (<see cref="SetUpDatabaseSql"/>), and a gateway in front of it with the
/// standard configuration unless <see cref="Configure"/> changes it. The tests of a class share
/// one gateway when their configuration is the same (they keep apart with their own sessions,
/// application names and rows); a class whose tests need a gateway of their own says so with
/// <see cref="SharesGatewayWithClass"/>.
/// </summary>
[Collection(PostgresCollection.Name)]
public abstract class GatewayTestBase : IAsyncLifetime
{
    protected GatewayTestBase(PostgresFixture postgres) => Postgres = postgres;

    protected PostgresFixture Postgres { get; }

    protected string Database { get; private set; } = string.Empty;

    protected TestGateway Gateway { get; private set; } = null!;

    /// <summary>SQL run once, as the upstream role, when the class's database is created.</summary>
    protected virtual string? SetUpDatabaseSql => null;

    /// <summary>True: the gateway reads its configuration from <see cref="WatchedConfigFile"/> and watches it, as an operator's --config file.</summary>
    protected virtual bool WatchesConfigFile => false;

    private DirectoryInfo? _configDirectory;

    /// <summary>The configuration file the gateway watches (with <see cref="WatchesConfigFile"/>).</summary>
    protected string WatchedConfigFile => Path.Combine(_configDirectory?.FullName ?? throw new InvalidOperationException("the gateway does not watch a file"),
        "orleansgate.json");

    /// <summary>
    /// False: every test gets a gateway of its own (it watches a file it rewrites, or counts what
    /// the gateway holds — pending approvals, live sessions — across the class).
    /// </summary>
    protected virtual bool SharesGatewayWithClass => !WatchesConfigFile;

    public virtual async Task InitializeAsync()
    {
        Database = await Postgres.DatabaseForClassAsync(GetType(), SetUpDatabaseSql);
        var configuration = GatewayConfig.Standard(Postgres, Database);
        Configure(configuration);
        _configDirectory = WatchesConfigFile ? Directory.CreateTempSubdirectory("og-config-") : null;
        Gateway = SharesGatewayWithClass
            ? await Postgres.ClassGateway.GetAsync(GetType(), configuration)
            : await TestGateway.StartAsync(configuration, WatchesConfigFile ? WatchedConfigFile : null, ConfigureServices);
    }

    /// <summary>Services that replace the gateway's own, for a class whose tests each get a gateway of their own.</summary>
    protected virtual void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
    {
    }

    public virtual async Task DisposeAsync()
    {
        if (!Postgres.ClassGateway.Holds(Gateway))
        {
            await Gateway.DisposeAsync();
        }

        _configDirectory?.Delete(recursive: true);
    }

    /// <summary>Stops the gateway (its silo goes away with everything in memory) and starts a new one with the same configuration.</summary>
    protected async Task RestartGatewayAsync(TimeSpan? downFor = null)
    {
        var configuration = Gateway.Configuration;
        var old = Gateway;
        await old.DisposeAsync();
        if (downFor is { } pause)
        {
            await Task.Delay(pause);
        }

        Gateway = await TestGateway.StartAsync(configuration, WatchesConfigFile ? WatchedConfigFile : null, ConfigureServices);
        await Postgres.ClassGateway.ReplaceAsync(old, Gateway);
    }

    /// <summary>Changes the gateway configuration of this class's tests before the gateway starts.</summary>
    protected virtual void Configure(System.Text.Json.Nodes.JsonObject configuration)
    {
    }

    /// <summary>alice's connection string to target "main" through the gateway.</summary>
    protected string ViaGateway(Action<NpgsqlConnectionStringBuilder>? configure = null) =>
        Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, "main", configure);

    protected string Direct => Postgres.DirectConnectionString(Database);

    /// <summary>Runs one of tests/clients/java's pgJDBC programs as alice against the gateway's main target.</summary>
    protected Task<ProcessResult> RunJdbcClientAsync(string program)
    {
        var clients = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../clients"));
        return ClientTools.RunAsync("java",
            ["-cp", "/usr/share/java/postgresql.jar", Path.Combine(clients, "java", program),
                $"jdbc:postgresql://127.0.0.1:{Gateway.Port}/main?sslmode=disable", "alice", GatewayConfig.AlicePassword],
            clients, TimeSpan.FromMinutes(2));
    }

    protected async Task<NpgsqlConnection> OpenViaGatewayAsync(Action<NpgsqlConnectionStringBuilder>? configure = null)
    {
        var connection = new NpgsqlConnection(ViaGateway(configure));
        await connection.OpenAsync();
        return connection;
    }

    protected async Task<NpgsqlConnection> OpenDirectAsync()
    {
        var connection = new NpgsqlConnection(Direct);
        await connection.OpenAsync();
        return connection;
    }

    protected async Task ExecuteDirectAsync(string sql)
    {
        await using var connection = await OpenDirectAsync();
        await PostgresFixture.ExecuteAsync(connection, sql);
    }
}
