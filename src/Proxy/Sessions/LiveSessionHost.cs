using OrleansGate.Grains.Sessions.Live;
using OrleansGate.Proxy.Cancellation;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Sessions;

/// <summary>This proxy's answer to the session directory (the grain observer it subscribes).</summary>
public sealed class LiveSessionHost(LiveSessions sessions, CancelForwarder cancels) : ILiveSessionHost
{
    public Task<IReadOnlyList<LiveSession>> ListAsync() => Task.FromResult(sessions.List());

    public Task<bool> TerminateAsync(string sessionId, string requestedBy) => Task.FromResult(sessions.TryTerminate(sessionId, requestedBy));

    public Task<bool> CancelAsync(int processId, int secretKey) =>
        cancels.CancelHereAsync(new BackendKey(processId, secretKey), CancellationToken.None);
}
