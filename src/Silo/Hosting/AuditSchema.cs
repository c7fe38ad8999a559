using Marten;
using Microsoft.Extensions.Hosting;
using OrleansGate.Grains.Sessions.Sweeping;

namespace OrleansGate.Silo.Hosting;

/// <summary>
/// Creates or updates the audit store's tables at start-up, before the proxy takes clients: Marten's,
/// then the sweeper's proxy heartbeats.
/// </summary>
internal sealed class AuditSchema(IDocumentStore store, ProxyHeartbeats heartbeats) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
        await heartbeats.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
