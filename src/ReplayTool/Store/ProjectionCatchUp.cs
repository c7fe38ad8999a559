using System.Net.Sockets;
using Marten;
using Npgsql;

namespace OrleansGate.ReplayTool.Store;

/// <summary>Brings the async projections up to the newest event before a listing reads them.</summary>
internal static class ProjectionCatchUp
{
    /// <summary>
    /// Runs every projection to the newest event. A conflict with another process building them
    /// (a running <c>projections daemon</c>) is not fatal: the listing shows them as they are, with a warning.
    /// </summary>
    public static async Task RunAsync(IDocumentStore store, CancellationToken cancellationToken, TextWriter? warnings = null)
    {
        try
        {
            using var daemon = await store.BuildProjectionDaemonAsync().ConfigureAwait(false);
            await daemon.CatchUpAsync(TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (NpgsqlException or SocketException or OperationCanceledException) &&
                                  e.InnerException is not (NpgsqlException or SocketException))
        {
            if (warnings is not null)
            {
                await warnings.WriteLineAsync($"warning: the projections could not be caught up ({e.Message}); showing them as they are")
                    .ConfigureAwait(false);
            }
        }
    }
}
