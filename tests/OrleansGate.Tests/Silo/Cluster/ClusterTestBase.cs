using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>
/// Cluster-mode tests: an empty cluster database per test (the silos apply the schema
/// themselves, as in production) and a fresh cluster id, so tests never see each other's silos.
/// </summary>
[Collection(ThirdPostgresCollection.Name)]
public abstract class ClusterTestBase(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly List<ClusterSilo> _silos = [];

    /// <summary>The certificate every silo and proxy of the test's cluster presents and trusts.</summary>
    protected static TestCertificate ClusterCertificate { get; } = TestCertificate.Create("orleansgate");

    protected PostgresFixture Postgres { get; } = postgres;

    /// <summary>The target database of the standard configuration.</summary>
    protected string Database { get; private set; } = string.Empty;

    protected string ClusterDatabase { get; private set; } = string.Empty;

    protected string ClusterConnectionString => Postgres.Server.ConnectionString(ClusterDatabase);

    protected string ClusterId { get; } = "t" + Guid.NewGuid().ToString("N")[..12];

    public virtual async Task InitializeAsync()
    {
        Database = await Postgres.DatabaseForClassAsync(GetType(), setUpSql: null);
        // A fresh, empty database per test: the silos must build the whole schema themselves.
        ClusterDatabase = await Postgres.CreateDatabaseAsync("c_" + GetType().Name);
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }

    /// <summary>The standard configuration in Cluster mode, on loopback with free ports.</summary>
    protected JsonObject ClusterConfiguration()
    {
        var configuration = GatewayConfig.Standard(Postgres, Database);
        var cluster = configuration.Section("Cluster");
        cluster["Mode"] = "Cluster";
        cluster["ConnectionString"] = ClusterConnectionString;
        cluster["ClusterId"] = ClusterId;
        cluster["AdvertisedAddress"] = "127.0.0.1";
        cluster["SiloPort"] = 0;
        cluster["GatewayPort"] = 0;
        // Proxies renew their directory subscription every second: a killed one is known dead in 8 s
        // (not 65), and the sweeper may use its shortest grace for that, 13 s with a one-second sweep.
        cluster["DirectoryRenewal"] = "00:00:01";
        cluster["Tls"] = new JsonObject
        {
            ["CertificateFile"] = ClusterCertificate.PfxPath,
            ["CertificatePassword"] = TestCertificate.PfxPassword,
        };
        return configuration;
    }

    protected async Task<ClusterSilo> StartSiloAsync(Action<JsonObject>? configure = null, Action<IServiceCollection>? services = null)
    {
        var configuration = ClusterConfiguration();
        configure?.Invoke(configuration);
        var silo = await ClusterSilo.StartAsync(configuration, services);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>The membership table as the silos wrote it: (port, status) of each silo of this test's cluster.</summary>
    protected async Task<List<(int Port, int Status)>> MembersAsync()
    {
        await using var connection = new NpgsqlConnection(ClusterConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT port, status FROM og_cluster_member WHERE deployment_id = @id ORDER BY port", connection);
        command.Parameters.AddWithValue("id", ClusterId);
        await using var reader = await command.ExecuteReaderAsync();
        var members = new List<(int, int)>();
        while (await reader.ReadAsync())
        {
            members.Add((reader.GetInt32(0), reader.GetInt32(1)));
        }

        return members;
    }

    /// <summary>Silo status codes as Orleans writes them (Orleans.Runtime.SiloStatus).</summary>
    protected const int Active = 3;
    protected const int Dead = 6;
}
