using System.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansGate.Silo.Clustering;

/// <summary>
/// Creates or updates the cluster database's schema (Clustering/Schema/*.sql, embedded) before the
/// silo starts: the tables, functions and named queries Orleans' ADO.NET clustering and grain
/// storage read. Registered ahead of the silo, so the silo never looks up a query that is not there.
/// </summary>
public sealed partial class ClusterSchema(string connectionString, ILogger<ClusterSchema> logger) : IHostedService
{
    // Any constant will do; it only has to be the same in every silo, so that silos starting
    // together apply the schema one after the other (CREATE ... IF NOT EXISTS is not race-free).
    private const long SchemaLockKey = 0x4F47_436C_7573_7472; // "OGClustr"

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ApplyAsync(connectionString, cancellationToken).ConfigureAwait(false);
        LogApplied(logger, new NpgsqlConnectionStringBuilder(connectionString).Database);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Applies every schema file in order, in one transaction.</summary>
    public static async Task ApplyAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({SchemaLockKey})", cancellationToken).ConfigureAwait(false);
        foreach (var script in Scripts())
        {
            await ExecuteAsync(connection, transaction, script, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The schema files, in the order of their names (01-tables, 02-functions, 03-queries).</summary>
    public static IEnumerable<string> Scripts()
    {
        var assembly = typeof(ClusterSchema).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.Contains(".Clustering.Schema.", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"missing resource {name}");
            using var reader = new StreamReader(stream);
            yield return reader.ReadToEnd();
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster schema applied to database {Database}")]
    private static partial void LogApplied(ILogger logger, string? database);
}
