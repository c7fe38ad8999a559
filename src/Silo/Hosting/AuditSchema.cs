using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Sessions.Sweeping;

namespace OrleansGate.Silo.Hosting;

/// <summary>
/// Creates or updates the audit store's tables at start-up, before the proxy takes clients: Marten's
/// (then checks they are what the audit writer writes into), then the sweeper's proxy heartbeats.
/// </summary>
/// <remarks>
/// Silos of one cluster start side by side (compose starts both once their databases are
/// healthy), and two of them creating the same tables at once collide ("relation … already
/// exists"): the work is done under a PostgreSQL advisory lock held by one silo at a time, so the
/// second finds the tables made and changes nothing.
/// </remarks>
internal sealed class AuditSchema(IDocumentStore store, MartenAuditLog audit, ProxyHeartbeats heartbeats, IOptions<AuditStoreOptions> options)
    : IHostedService
{
    /// <summary>The advisory lock key: a constant of this project's (the bytes of "ogschema").</summary>
    private const long LockKey = 0x6F67736368656D61;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(options.Value.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await LockAsync(connection, "pg_advisory_lock", cancellationToken).ConfigureAwait(false);
        try
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
            await audit.VerifyTablesAsync(cancellationToken).ConfigureAwait(false);
            await heartbeats.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Explicitly: a pooled connection's session, and its lock, outlive the close.
            await LockAsync(connection, "pg_advisory_unlock", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task LockAsync(NpgsqlConnection connection, string function, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}(@key)", connection);
        command.Parameters.AddWithValue("key", LockKey);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
