using OrleansGate.Grains.Sessions.Live;

namespace OrleansGate.Proxy.Sessions;

/// <summary>This proxy's answer to the session directory (the grain observer it subscribes).</summary>
public sealed class LiveSessionHost(LiveSessions sessions) : ILiveSessionHost
{
    public Task<IReadOnlyList<LiveSession>> ListAsync() => Task.FromResult(sessions.List());

    public Task<bool> TerminateAsync(string sessionId, string requestedBy) => Task.FromResult(sessions.TryTerminate(sessionId, requestedBy));
}
