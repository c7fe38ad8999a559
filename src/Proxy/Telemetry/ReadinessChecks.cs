using OrleansGate.Grains.Sessions.Live;
using OrleansGate.Proxy.Hosting;

namespace OrleansGate.Proxy.Telemetry;

/// <summary>The cluster answers: a grain call (the session directory's proxy list) comes back. Decisions need it.</summary>
public sealed class ClusterReadiness(IGrainFactory grains) : IReadinessCheck
{
    public async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<ISessionDirectoryGrain>(0).ProxiesAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"the cluster does not answer ({e.GetType().Name})";
        }
    }
}

/// <summary>The proxy listens for clients.</summary>
public sealed class ListenerReadiness(ProxyServer server) : IReadinessCheck
{
    public Task<string?> CheckAsync(CancellationToken cancellationToken) =>
        Task.FromResult(server.IsListening ? null : "the proxy does not listen for clients yet");
}
