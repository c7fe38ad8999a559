using Npgsql;
using OrleansGate.Grains.Audit;

namespace OrleansGate.Grains.Sessions.Sweeping;

/// <summary>
/// When each proxy was last known alive, in the audit database (table <c>og_proxy_heartbeats</c> in
/// the audit schema), written by the sweeper of the gateway the proxy belongs to. The session
/// directory only knows its own gateway's proxies; this table is how gateways that share one audit
/// database (and a gateway whose directory just moved to another silo) tell a live proxy from a
/// dead one. Times are the database's clock, so the silos' clocks never enter the comparison.
/// </summary>
public sealed class ProxyHeartbeats(AuditStoreOptions options)
{
    public const string Table = "og_proxy_heartbeats";

    /// <summary>Creates the table (at start-up, after Marten created the schema).</summary>
    public async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(options.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"CREATE SCHEMA IF NOT EXISTS {options.Schema}; " +
            $"CREATE TABLE IF NOT EXISTS {options.Schema}.{Table} (proxy text PRIMARY KEY, seen timestamptz NOT NULL)", connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks <paramref name="proxies"/> alive now and forgets heartbeats older than
    /// <paramref name="grace"/>: past it a heartbeat no longer protects anything, so dropping it
    /// changes no verdict and the table stays as small as the set of live proxies. "Now" is the
    /// audit database's, moved by <paramref name="ahead"/> (<see cref="LivenessClock.AheadOfSystem"/>).
    /// </summary>
    public async Task BeatAsync(IReadOnlyList<string> proxies, TimeSpan grace, TimeSpan ahead, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(options.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"INSERT INTO {options.Schema}.{Table} (proxy, seen) SELECT p, now() + @ahead FROM unnest(@proxies) AS p " +
            "ON CONFLICT (proxy) DO UPDATE SET seen = excluded.seen; " +
            $"DELETE FROM {options.Schema}.{Table} WHERE seen < now() + @ahead - @grace", connection);
        command.Parameters.AddWithValue("proxies", proxies.ToArray());
        command.Parameters.AddWithValue("grace", grace);
        command.Parameters.AddWithValue("ahead", ahead);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
