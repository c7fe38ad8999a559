using Marten;
using Microsoft.Extensions.Hosting;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Sessions.Sweeping;

namespace OrleansGate.Silo.Hosting;

/// <summary>
/// Creates or updates the audit store's tables at start-up, before the proxy takes clients: Marten's
/// (then checks they are what the audit writer writes into), then the sweeper's proxy heartbeats.
/// </summary>
internal sealed class AuditSchema(IDocumentStore store, MartenAuditLog audit, ProxyHeartbeats heartbeats) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
        await audit.VerifyTablesAsync(cancellationToken).ConfigureAwait(false);
        await heartbeats.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
