using Marten;

namespace OrleansGate.ReplayTool.Store;

/// <summary>Brings the async projections up to the newest event before a listing reads them.</summary>
internal static class ProjectionCatchUp
{
    public static async Task RunAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        using var daemon = await store.BuildProjectionDaemonAsync().ConfigureAwait(false);
        await daemon.CatchUpAsync(TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
    }
}
