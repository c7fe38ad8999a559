using Marten;
using Microsoft.Extensions.Hosting;

namespace OrleansGate.Silo.Hosting;

/// <summary>Creates or updates the audit store's tables at start-up, before the proxy takes clients.</summary>
internal sealed class AuditSchema(IDocumentStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
