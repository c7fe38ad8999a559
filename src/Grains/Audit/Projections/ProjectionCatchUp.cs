using System.Net.Sockets;
using Marten;
using Npgsql;

namespace OrleansGate.Grains.Audit.Projections;

/// <summary>
/// Brings the async projections up to the newest event before something reads them: the replay
/// tool's listings and queries, and the admin API's history and audit views (<c>AuditReadModel</c>).
/// </summary>
public static class ProjectionCatchUp
{
    /// <summary>
    /// Runs every projection to the newest event. A conflict with another process building them
    /// (a running <c>projections daemon</c>, another silo) is not fatal: the caller shows them as they
    /// are, and gets back why they may be behind (null when they caught up). A store that cannot be
    /// reached throws.
    /// </summary>
    public static async Task<string?> RunAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        try
        {
            using var daemon = await store.BuildProjectionDaemonAsync().ConfigureAwait(false);
            await daemon.CatchUpAsync(TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is not (NpgsqlException or SocketException or OperationCanceledException) &&
                                  e.InnerException is not (NpgsqlException or SocketException))
        {
            return $"the projections could not be caught up ({e.Message}); showing them as they are";
        }
    }
}
