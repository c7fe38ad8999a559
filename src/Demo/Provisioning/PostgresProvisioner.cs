using DotNet.Testcontainers.Builders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Testcontainers.PostgreSql;

namespace OrleansGate.Demo.Provisioning;

/// <summary>
/// Finds or starts a real PostgreSQL server, in this order: an explicit connection string;
/// a Testcontainers container when a Docker engine answers; a throwaway cluster from the
/// local PostgreSQL binaries. The tests and the demo both come through here.
/// </summary>
public static partial class PostgresProvisioner
{
    public const string TestConnectionStringVariable = "ORLEANSGATE_TEST_PG";

    public static async Task<ProvisionedPostgres> ProvisionAsync(string? connectionString, LocalClusterOptions? localOptions = null,
        ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        logger ??= NullLogger.Instance;
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            LogSource(logger, PostgresSource.ConnectionString, "given connection string");
            return new ExternalPostgres(connectionString);
        }

        var container = await TryStartContainerAsync(logger, cancellationToken).ConfigureAwait(false);
        if (container is not null)
        {
            return container;
        }

        var cluster = await LocalPostgresCluster.StartAsync(localOptions ?? new LocalClusterOptions(), cancellationToken).ConfigureAwait(false);
        LogSource(logger, PostgresSource.LocalCluster, $"{cluster.BinDirectory} on port {cluster.Port}, data in {cluster.DataDirectory}");
        return cluster;
    }

    private static async Task<ProvisionedPostgres?> TryStartContainerAsync(ILogger logger, CancellationToken cancellationToken)
    {
        PostgreSqlContainer container;
        try
        {
            container = new PostgreSqlBuilder("postgres:15-alpine")
                .WithCommand("-c", "max_connections=400", "-c", "fsync=off", "-c", "track_commit_timestamp=on")
                .Build();
        }
        catch (DockerUnavailableException e)
        {
            LogNoDocker(logger, e.Message.Split('\n')[0]);
            return null;
        }

        await container.StartAsync(cancellationToken).ConfigureAwait(false);
        LogSource(logger, PostgresSource.Container, container.Name);
        return new ContainerPostgres(container);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL: {Source} ({Detail})")]
    private static partial void LogSource(ILogger logger, PostgresSource source, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "No Docker engine answers ({Reason}); using the local PostgreSQL binaries")]
    private static partial void LogNoDocker(ILogger logger, string reason);
}

/// <summary>A Testcontainers PostgreSQL container, removed on dispose.</summary>
public sealed class ContainerPostgres(PostgreSqlContainer container)
    : ProvisionedPostgres(PostgresSource.Container, container.GetConnectionString())
{
    public override async ValueTask DisposeAsync()
    {
        await container.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
