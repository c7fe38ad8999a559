using Marten;
using Microsoft.Extensions.Hosting;
using OrleansGate.Grains.Audit;

namespace OrleansGate.Silo.Hosting;

/// <summary>
/// Creates or updates the audit store's tables at start-up, before the proxy takes clients, then
/// checks that they are what the audit writer writes into.
/// </summary>
internal sealed class AuditSchema(IDocumentStore store, MartenAuditLog audit) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
        await audit.VerifyTablesAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
